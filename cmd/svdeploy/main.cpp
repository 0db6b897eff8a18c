// SPDX-License-Identifier: MIT
// svdeploy: install versions of a service side by side, switch between them atomically
// behind one supervise, roll back when the new one is unhealthy, and say what runs where.
// See man/svdeploy.8.
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/filesystem.hpp>
#include <cstdio>
#include <cstdlib>

#include "deploy.hpp"
#include "svkit/self_exe.hpp"

#ifndef SVDEPLOY_STORE
#define SVDEPLOY_STORE "/var/lib/svkit/releases"
#endif
#ifndef SVDEPLOY_RUNTIME
#define SVDEPLOY_RUNTIME "/var/lib/svkit/run"
#endif
#ifndef SVDEPLOY_SERVICES
#define SVDEPLOY_SERVICES "/etc/sv"
#endif
#ifndef SVDEPLOY_TEMPLATES
#define SVDEPLOY_TEMPLATES "/usr/share/svkit/service-templates"
#endif
#ifndef SVDEPLOY_CONFIG
#define SVDEPLOY_CONFIG "/etc/svkit/svdeploy.conf"
#endif

namespace fs = boost::filesystem;

namespace svdeploy {

void say(const std::string& line) {
  std::string l = line + "\n";
  std::fwrite(l.data(), 1, l.size(), stdout);
  std::fflush(stdout);
}

void warn(const std::string& what) {
  std::string l = "svdeploy: warning: " + what + "\n";
  (void)!::write(2, l.data(), l.size());
}

void test_point(const char* point) {
  const char* want = std::getenv("SVDEPLOY_TEST_STOP");
  if (want && strcmp(want, point) == 0) ::raise(SIGSTOP);
}

namespace {

const char kUsage[] =
    "svdeploy [options] install NAME VERSION SOURCE [--user ACCOUNT] | activate NAME VERSION [-w S] | "
    "rollback NAME | status [NAME...] [--json] | list NAME [--json] | history NAME [--json] | "
    "remove NAME VERSION | prune NAME --keep N | new NAME[@INSTANCE] --template T "
    "[--set K=V]... [--vars FILE] [--version V] [--plain] | allow NAME [--user ACCOUNT] | purge NAME";

[[noreturn]] void usage() { fail(kExitRefused, std::string("usage: ") + kUsage); }

double number(const std::string& opt, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || d < 0) fail(kExitRefused, opt + " needs a number, not '" + v + "'");
  return d;
}

std::string absolute(const std::string& p) {
  if (p.empty()) return p;
  return fs::absolute(p).lexically_normal().string();
}

std::string first_existing_scandir() {
  for (const char* d : {"/service", "/etc/service", "/var/service"}) {
    struct stat st;
    if (::stat(d, &st) == 0 && S_ISDIR(st.st_mode)) return d;
  }
  return "/service";
}

void read_config(Roots& r) {
  bool found = false;
  Vars v;
  read_text(r.config, &found);
  if (!found) return;
  read_vars_file(r.config, v);
  for (auto& [k, val] : v.values) {
    if (k == "group") r.deploy_group = val;
    else if (k == "store") r.store = val;
    else if (k == "runtime") r.runtime = val;
    else if (k == "scandir") r.scandir = val;
    else if (k == "services") r.services = val;
    else if (k == "templates") r.templates = val;
    else if (k == "settle") r.settle = number(r.config + ": settle", val);
    else if (k == "max-file-size") r.max_file_size = static_cast<uint64_t>(number(r.config + ": max-file-size", val));
    else warn(r.config + ": unknown setting '" + k + "'");
  }
}

bool in_group(const std::string& group) {
  if (group.empty()) return false;
  const struct group* g = ::getgrnam(group.c_str());
  if (!g) return false;
  if (::getegid() == g->gr_gid) return true;
  gid_t list[256];
  int n = ::getgroups(256, list);
  for (int i = 0; i < n; ++i)
    if (list[i] == g->gr_gid) return true;
  return false;
}

bool owns_store(const Roots& r) {
  fs::path p = r.store;
  struct stat st;
  while (!p.empty()) {
    if (::stat(p.c_str(), &st) == 0) return st.st_uid == ::geteuid();
    p = p.parent_path();
  }
  return false;
}

// Root, the store's owner (a scratch store), or a member of the configured deploy group
// on a service that allows that group.
void check_access(const Roots& r, const std::string& name, bool group_ok) {
  if (::geteuid() == 0 || owns_store(r)) return;
  if (r.deploy_group.empty())
    fail(kExitRefused, "permission denied: only root may change " + r.store +
                           " (no deploy group in " + r.config + ")");
  if (!group_ok) fail(kExitRefused, "permission denied: only root may do that");
  if (!in_group(r.deploy_group))
    fail(kExitRefused, "permission denied: you are not in the deploy group " + r.deploy_group);
  std::string allowed = trusted_text(service(r, name), "deploy-group");
  if (allowed != r.deploy_group)
    fail(kExitRefused, "permission denied: " + name + " does not allow the deploy group " +
                           r.deploy_group);
  ::umask(002);  // what a member installs stays usable by the other members
}

// allow NAME: lets the deploy group install, activate and roll back NAME.
int allow(const Service& s) {
  const Roots& r = *s.roots;
  if (r.deploy_group.empty()) fail(kExitRefused, "no deploy group configured in " + r.config);
  const struct group* g = ::getgrnam(r.deploy_group.c_str());
  if (!g) fail(kExitRefused, "unknown group '" + r.deploy_group + "'");
  if (!r.owner.empty() && !::getpwnam(r.owner.c_str()))
    fail(kExitRefused, "unknown account '" + r.owner + "' (--user)");
  int lock = lock_service(s, true);
  if (!r.owner.empty()) write_atomic(s.dir + "/owner", r.owner + "\n", 0644);
  std::string owner = trusted_text(s, "owner");
  if (owner.empty() || owner == "root" || owner == "0")
    fail(kExitRefused, s.name + " has no account of its own: allow it with --user ACCOUNT (what the "
                                "deploy group installs runs as that account, never as root)");
  make_runtime_dir(s);  // a member's first install cannot create it under root's directory
  write_atomic(s.dir + "/deploy-group", r.deploy_group + "\n", 0644);
  boost::system::error_code ec;
  auto fix = [&](const std::string& p, bool dir) {
    if (::lchown(p.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) fail_sys("unable to change group of " + p);
    struct stat st;
    if (!dir || ::stat(p.c_str(), &st) != 0) return;
    ::chmod(p.c_str(), (st.st_mode & 07777) | 02070);
  };
  fix(s.dir, true);
  for (fs::recursive_directory_iterator it(s.dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string p = it->path().string();
    std::string rel = p.substr(s.dir.size() + 1);
    if (rel == "service") {  // root's: what supervise executes as root lives there
      it.disable_recursion_pending();
      continue;
    }
    bool dir = fs::is_directory(it->symlink_status());
    fix(p, dir);
    if (!dir && !fs::is_symlink(it->symlink_status()) && (rel[0] == '.'))
      ::chmod(p.c_str(), 0664);
  }
  for (const char* f : {"/.lock", "/.history", "/.state"}) {
    std::string p = s.dir + f;
    if (!path_exists(p)) write_atomic(p, "", 0664);
    fix(p, false);
    ::chmod(p.c_str(), 0664);
  }
  if (path_exists(s.service_dir())) {
    write_atomic(s.service_dir() + "/control-group", r.deploy_group + "\n", 0644);
    refresh_service_dir(s);  // as the account from the next start
    say(s.name + ": the deploy group " + r.deploy_group +
        " may deploy it (the supervise control files follow when supervise restarts)");
  } else {
    say(s.name + ": the deploy group " + r.deploy_group + " may deploy it");
  }
  ::close(lock);
  return 0;
}

Service plain_of(const Roots& r, const std::string& name) {
  Service p = service(r, name);
  p.dir = r.services + "/" + name;
  p.plain = true;
  return p;
}

// activate, rollback, ... on a plain service (new --plain): one clear line.
void release_only(const Roots& r, const std::string& name, const std::string& cmd) {
  Service p = plain_of(r, name);
  if (!path_exists(service(r, name).dir) && path_exists(p.dir + "/current"))
    fail(kExitRefused, name + " is a plain service directory (" + p.dir + "), not a release: " +
                           cmd + " works on releases only");
}

int new_service(const Roots& r, const std::string& full, const std::string& tmpl,
                const std::vector<std::pair<std::string, std::string>>& sets,
                std::string version, bool plain) {
  Service s = service(r, full);
  State st = read_state(s);
  if (!st.active.empty() || path_exists(s.service_dir()) || (plain && path_exists(s.dir)))
    fail(kExitRefused, full + " exists; use install and activate for new versions");
  Service p = plain_of(r, full);
  if (plain && path_exists(p.dir)) fail(kExitRefused, full + " exists as " + p.dir);
  if (path_exists(s.scan_link()))
    fail(kExitRefused, "another service is linked as " + s.scan_link());
  std::string tdir = tmpl.find('/') != std::string::npos ? absolute(tmpl) : r.templates + "/" + tmpl;
  Vars vars;
  if (path_exists(tdir + "/vars")) read_vars_file(tdir + "/vars", vars);
  auto at = full.find('@');
  vars.values["name"] = full.substr(0, at);
  vars.values["instance"] = at == std::string::npos ? "" : full.substr(at + 1);
  vars.values["service"] = full;
  vars.values["runtime_dir"] = s.runtime_dir();
  for (auto& [k, v] : sets) {
    if (k == "--vars") read_vars_file(v, vars);
    else vars.values[k] = v;
  }
  if (!r.owner.empty()) vars.values["user"] = r.owner;  // --user ACCOUNT
  auto user = vars.values.find("user");
  if (user != vars.values.end() && !user->second.empty() && ::geteuid() == 0 &&
      !::getpwnam(user->second.c_str()))
    fail(kExitRefused, "unknown account '" + user->second + "' (template variable user)");
  if (version.empty()) version = vars.values.count("version") ? vars.values["version"] : "1";
  vars.values["version"] = version;
  check_name("version", version, false);
  boost::system::error_code ec;
  struct Held {  // STORE/.lock, shared: no clean_roots() takes our temporary
    int fd;
    ~Held() { ::close(fd); }
  } held{hold_roots_shared(r)};
  std::string tmp = r.store + "/.tmp-new-" + full + "-" + std::to_string(::getpid());
  if (plain) tmp = r.services + "/.tmp-svdeploy-" + full + "-" + std::to_string(::getpid());
  fs::create_directories(fs::path(tmp).parent_path(), ec);
  struct Cleanup {
    std::string p;
    ~Cleanup() {
      boost::system::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{tmp};
  if (plain) {
    Service t = p;
    t.dir = tmp;
    if (::mkdir(tmp.c_str(), 0755) != 0) fail_sys("unable to create " + tmp);
    render_template(tdir, vars, t.release(version));
    if (user != vars.values.end() && !user->second.empty())
      write_atomic(tmp + "/owner", user->second + "\n", 0644);
    return plain_service(p, t, version);
  }
  render_template(tdir, vars, tmp);
  fs::create_directories(s.dir, ec);
  if (user != vars.values.end() && !user->second.empty())
    write_atomic(s.dir + "/owner", user->second + "\n", 0644);
  install(s, version, tmp, true);
  say(full + " " + version + ": installed from template " + tmpl);
  return activate(s, version, "new");
}

int run(int argc, char** argv) {
  Roots r;
  r.store = SVDEPLOY_STORE;
  r.runtime = SVDEPLOY_RUNTIME;
  r.scandir = first_existing_scandir();
  r.services = SVDEPLOY_SERVICES;
  r.templates = SVDEPLOY_TEMPLATES;
  r.config = SVDEPLOY_CONFIG;
  r.bindir = svkit::self_exe_dir(argv[0]);
  auto env = [](const char* k) -> const char* {
    const char* v = std::getenv(k);
    return v && *v ? v : nullptr;
  };
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> sets;  // --set K=V and --vars FILE, in order
  bool json = false, plain = false;
  int keep = -1;
  std::string tmpl, version;
  std::string o_store, o_runtime, o_scandir, o_services, o_templates, o_settle, o_wait, o_max;
  if (const char* c = env("SVDEPLOY_CONFIG")) r.config = c;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* opt) -> std::string {
      auto eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos) return a.substr(eq + 1);
      if (i + 1 >= argc) fail(kExitRefused, std::string(opt) + " needs a value");
      return argv[++i];
    };
    auto is = [&](const char* opt) {
      return a == opt || (a.rfind(std::string(opt) + "=", 0) == 0 && a.rfind("--", 0) == 0);
    };
    if (a == "--json") json = true;
    else if (a == "--plain") plain = true;
    else if (is("-w") || is("--wait")) o_wait = value("-w");
    else if (is("--store")) o_store = value("--store");
    else if (is("--runtime")) o_runtime = value("--runtime");
    else if (is("--scandir")) o_scandir = value("--scandir");
    else if (is("--services")) o_services = value("--services");
    else if (is("--templates")) o_templates = value("--templates");
    else if (is("--config")) r.config = value("--config");
    else if (is("--settle")) o_settle = value("--settle");
    else if (is("--max-file-size")) o_max = value("--max-file-size");
    else if (is("--keep")) {
      std::string k = value("--keep");
      if (k.empty() || k.size() > 6 || k.find_first_not_of("0123456789") != std::string::npos)
        fail(kExitRefused, "--keep needs a whole number, not '" + k + "'");
      keep = std::stoi(k);
    }
    else if (is("--template")) tmpl = value("--template");
    else if (is("--version")) version = value("--version");
    else if (is("--user")) r.owner = value("--user");
    else if (is("--vars")) sets.push_back({"--vars", value("--vars")});
    else if (is("--set")) {
      std::string kv = value("--set");
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) fail(kExitRefused, "--set needs KEY=VALUE, not '" + kv + "'");
      sets.push_back({kv.substr(0, eq), kv.substr(eq + 1)});  // a newline: see render()
    } else if (a.size() > 1 && a[0] == '-') fail(kExitRefused, "unknown option " + a + "; " + std::string("usage: ") + kUsage);
    else args.push_back(a);
  }
  read_config(r);
  if (const char* v = env("SVDEPLOY_STORE")) r.store = v;
  if (const char* v = env("SVDEPLOY_RUNTIME")) r.runtime = v;
  if (const char* v = env("SVDEPLOY_SCANDIR")) r.scandir = v;
  if (const char* v = env("SVDEPLOY_SERVICES")) r.services = v;
  if (const char* v = env("SVDEPLOY_TEMPLATES")) r.templates = v;
  if (const char* v = env("SVDEPLOY_SETTLE")) r.settle = number("SVDEPLOY_SETTLE", v);
  if (const char* v = env("SVDEPLOY_MAX_FILE_SIZE")) r.max_file_size = static_cast<uint64_t>(number("SVDEPLOY_MAX_FILE_SIZE", v));
  if (!o_store.empty()) r.store = o_store;
  if (!o_runtime.empty()) r.runtime = o_runtime;
  if (!o_scandir.empty()) r.scandir = o_scandir;
  if (!o_services.empty()) r.services = o_services;
  if (!o_templates.empty()) r.templates = o_templates;
  if (!o_settle.empty()) r.settle = number("--settle", o_settle);
  if (!o_max.empty()) r.max_file_size = static_cast<uint64_t>(number("--max-file-size", o_max));
  if (!o_wait.empty()) r.wait = number("-w", o_wait);
  r.store = absolute(r.store);
  r.runtime = absolute(r.runtime);
  r.scandir = absolute(r.scandir);
  r.services = absolute(r.services);
  r.templates = absolute(r.templates);
  for (const std::string* p : {&r.store, &r.runtime, &r.scandir, &r.services})
    if (p->find_first_of("'\n") != std::string::npos)
      fail(kExitRefused, "directory names with a quote or newline are not supported: " + *p);
  if (args.empty()) usage();
  std::string cmd = args[0];
  auto need = [&](size_t n) {
    if (args.size() != n) usage();
  };
  if (cmd == "status") {
    std::vector<std::string> names(args.begin() + 1, args.end());
    for (auto& n : names) check_name("name", n, true);
    return status_cmd(r, names, json);
  }
  if (cmd != "status" && cmd != "install" && cmd != "new" && args.size() >= 2) {
    check_name("name", args[1], true);
    release_only(r, args[1], cmd);
  }
  if (cmd == "list") return need(2), list_cmd(service(r, args[1]), json);
  if (cmd == "history") return need(2), history_cmd(service(r, args[1]), json);
  if (cmd == "install") {
    need(4);
    Service s = service(r, args[1]);
    check_name("version", args[2], false);
    check_access(r, s.name, r.owner.empty());  // naming an account is root's
    install(s, args[2], absolute(args[3]));
    return 0;
  }
  if (cmd == "activate") {
    need(3);
    Service s = service(r, args[1]);
    check_access(r, s.name, true);
    return activate(s, args[2], "activate");
  }
  if (cmd == "rollback") {
    need(2);
    Service s = service(r, args[1]);
    check_access(r, s.name, true);
    return rollback(s);
  }
  if (cmd == "remove") {
    need(3);
    Service s = service(r, args[1]);
    check_access(r, s.name, true);
    remove_version(s, args[2]);
    return 0;
  }
  if (cmd == "prune") {
    need(2);
    if (keep < 0) fail(kExitRefused, "prune needs --keep N");
    Service s = service(r, args[1]);
    check_access(r, s.name, true);
    prune(s, keep);
    return 0;
  }
  if (cmd == "purge") {
    need(2);
    Service s = service(r, args[1]);
    check_access(r, s.name, false);
    purge(s);
    return 0;
  }
  if (cmd == "new") {
    need(2);
    if (tmpl.empty()) fail(kExitRefused, "new needs --template TEMPLATE");
    check_name("name", args[1], true);
    check_access(r, args[1], false);
    return new_service(r, args[1], tmpl, sets, version, plain);
  }
  if (cmd == "allow") {
    need(2);
    Service s = service(r, args[1]);
    check_access(r, s.name, false);
    return allow(s);
  }
  usage();
}

}  // namespace
}  // namespace svdeploy

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return svdeploy::run(argc, argv);
  } catch (const svdeploy::Fatal& f) {
    std::fflush(stdout);
    std::string l = std::string("svdeploy: fatal: ") + f.what() + "\n";
    (void)!::write(2, l.data(), l.size());
    return f.code;
  } catch (const std::exception& e) {
    std::string l = std::string("svdeploy: fatal: ") + e.what() + "\n";
    (void)!::write(2, l.data(), l.size());
    return svdeploy::kExitTemporary;
  }
}
