// SPDX-License-Identifier: MIT
// svdeploy new: service templates ({{ name }} placeholders, vars defaults, --set/--vars,
// NAME@INSTANCE), their errors (file, line, variable; nothing written), and the shipped
// templates coming up under a real svscan.
#include <sys/stat.h>
#include <algorithm>

#include "svdeploy_fixture.hpp"

using namespace deploytest;

namespace {

bool nothing_written(const Scratch& s, const std::string& name) {
  if (svkit::test::exists(s.store / name) || svkit::test::exists(s.scan / name)) return false;
  if (fs::exists(s.store))
    for (auto& e : fs::directory_iterator(s.store))
      if (e.path().filename().string().rfind(".tmp-", 0) == 0) return false;
  return true;
}

std::string uid_of(pid_t pid) {
  for (auto& l : split_lines(read_file("/proc/" + std::to_string(pid) + "/status")))
    if (l.rfind("Uid:", 0) == 0) return l.substr(5, l.find('\t', 5) - 5);
  return "";
}

// web@8080's run wrote its environment to its runtime dir: version 1, instance 8080.
void check_web8080_env(const Scratch& s) {
  auto env_file = s.rt / "web@8080/data/env";
  REQUIRE(eventually(5s, [&] { return read_file(env_file).find("SVKIT_VERSION=1\n") != std::string::npos; }));
  auto env = read_file(env_file);
  CHECK(env.find("SVKIT_INSTANCE=8080\n") != std::string::npos);
  CHECK(env.find("SVKIT_SERVICE=web@8080\n") != std::string::npos);
  CHECK(env.find("SVKIT_RUNTIME_DIR=" + (s.rt / "web@8080").string() + "\n") != std::string::npos);
}

}  // namespace

TEST_CASE("svdeploy new: template errors name file, line and variable, and write nothing",
          "[svdeploy][e2e]") {
  Scratch s(false);
  auto t = s.tmp / "tmpl";
  make_dirs(t / "log");
  write_file(t / "vars", "# defaults\ncommand = sleep 60\n");
  write_script(t / "run", "exec {{ command }} --port {{ port }}\n");
  write_script(t / "log/run", "exec svlogd -tt .\n");
  auto err = [&](std::vector<std::string> extra, const std::string& message) {
    std::vector<std::string> args{"new", "app@1", "--template", t.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = s.deploy(args);
    CHECK(r.code == 100);
    CHECK(r.err == "svdeploy: fatal: " + message + "\n");
    CHECK(nothing_written(s, "app@1"));
  };
  err({}, t.string() + "/run:2: undefined variable 'port'");
  write_script(t / "run", "exec {{ command }}\n");
  write_script(t / "log/run", "exec svlogd -tt {{ logdir\n");
  err({}, t.string() + "/log/run:2: unterminated {{ logdir");
  write_script(t / "log/run", "exec svlogd -tt {{ log dir }}\n");
  err({}, t.string() + "/log/run:2: bad placeholder {{ log dir }}");
  write_script(t / "log/run", "exec svlogd -tt .\n");
  err({"--set", "command=a\nb"},
      t.string() + "/run:2: variable 'command' has a newline, allowed only in a placeholder alone on its line");
  make_dirs(t / "env");
  write_file(t / "env/OPTS", "{{ command }}\n");
  err({"--set", "command=a\rb"},
      t.string() + "/env/OPTS:1: variable 'command' has a newline, allowed only in a placeholder alone on its line outside env/");
  fs::remove_all(t / "env");
  err({"--set", "novalue"}, "--set needs KEY=VALUE, not 'novalue'");
  write_file(s.tmp / "bad.vars", "command = x\nthis line has no equals sign\n");
  err({"--vars", (s.tmp / "bad.vars").string()},
      (s.tmp / "bad.vars").string() + ":2: expected 'key = value'");
  err({"--vars", (s.tmp / "missing.vars").string()},
      "unable to read variables file " + (s.tmp / "missing.vars").string());
  auto r = s.deploy({"new", "app", "--template", "no-such-template"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: no template " + std::string(SVKIT_SOURCE_DIR) +
                     "/service-templates/no-such-template\n");
  r = s.deploy({"new", "app"});
  CHECK(r.err == "svdeploy: fatal: new needs --template TEMPLATE\n");
  // The account template has no default user.
  r = s.deploy({"new", "acct", "--template", "account"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: " + std::string(SVKIT_SOURCE_DIR) +
                     "/service-templates/account/log/run:2: undefined variable 'user'\n");
  CHECK(nothing_written(s, "acct"));
  if (need_root("an account looked up as root")) {
    r = s.deploy({"new", "acct", "--template", "account", "--set", "user=svdeploy-no-such-user"});
    CHECK(r.code == 100);
    CHECK(r.err == "svdeploy: fatal: unknown account 'svdeploy-no-such-user' (template variable user)\n");
    CHECK(nothing_written(s, "acct"));
  }
}

TEST_CASE("svdeploy new: instances of the daemon template, variables in order, modes kept",
          "[svdeploy][e2e]") {
  Scratch s;
  write_file(s.tmp / "web.vars", "command = false\n");
  const std::string cmd =
      "sh -c 'env > \"$SVKIT_RUNTIME_DIR/data/env\"; exec sleep 60'";
  auto r = s.deploy({"new", "web@8080", "--template", "daemon", "--set", "command=true",
                     "--vars", (s.tmp / "web.vars").string(), "--set", "command=" + cmd});
  REQUIRE(r.code == 0);
  CHECK(r.out == "web@8080 1: installed from template daemon\nweb@8080 1: active\n");
  auto run = s.store / "web@8080/1/run";
  CHECK(read_file(run) ==
        "#!/bin/sh\n# web@8080: a plain daemon, in the foreground, stderr with stdout.\n"
        "exec 2>&1\nexec " + cmd + "\n");
  struct stat st;
  REQUIRE(::stat(run.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK_FALSE(svkit::test::exists(s.store / "web@8080/1/vars"));
  CHECK_FALSE(svkit::test::exists(s.store / "web@8080/1/README"));
  CHECK(fs::read_symlink(s.scan / "web@8080") == s.service_dir("web@8080"));
  check_web8080_env(s);
  // A second instance of the same template beside it; a second `new` is refused.
  REQUIRE(s.deploy({"new", "web@8081", "--template", "daemon", "--set", "command=" + cmd}).code == 0);
  r = s.deploy({"new", "web@8080", "--template", "daemon"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: web@8080 exists; use install and activate for new versions\n");
  auto st_out = s.deploy({"status"}).out;
  CHECK(st_out.find("web@8080: 1 up") != std::string::npos);
  // A value of several lines fills a placeholder alone on its line.
  auto t = s.tmp / "conf";
  make_dirs(t / "etc");
  write_script(t / "run", "exec sleep 60\n");
  write_file(t / "etc/app.conf", "[main]\n  {{ extra }}\nend\n", 0640);
  REQUIRE(s.deploy({"new", "conf", "--template", t.string(), "--set", "extra=a = 1\nb = 2"}).code == 0);
  CHECK(read_file(s.store / "conf/1/etc/app.conf") == "[main]\n  a = 1\nb = 2\nend\n");
  REQUIRE(::stat((s.store / "conf/1/etc/app.conf").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(st_out.find("web@8081: 1 up") != std::string::npos);
}

TEST_CASE("svdeploy new: the wsgi and daemon-log templates log through svlogd in the runtime dir",
          "[svdeploy][e2e]") {
  if (!need_root("the wsgi template's setuidgid")) return;
  Scratch s;
  auto venv = s.tmp / "venv";
  make_dirs(venv / "bin");
  write_script(venv / "bin/gunicorn", "echo \"gunicorn $* in $(pwd) as $(id -un)\"\nexec sleep 60\n");
  auto r = s.deploy({"new", "shop@9000", "--template", "wsgi", "--set", "venv=" + venv.string(),
                     "--set", "app_dir=" + s.tmp.str(), "--set", "user=root", "--set",
                     "port=9000", "--set", "module=shop:app"});
  REQUIRE(r.code == 0);
  auto log = s.rt / "shop@9000/log/current";
  CHECK(eventually(10s, [&] {
    return read_file(log).find("gunicorn --bind 127.0.0.1:9000 --workers 2 shop:app in " +
                               s.tmp.str() + " as root") != std::string::npos;
  }));
  r = s.deploy({"new", "plain", "--template", "daemon-log", "--set",
                "command=sh -c 'echo hello from $SVKIT_VERSION; exec sleep 60'"});
  REQUIRE(r.code == 0);
  CHECK(eventually(10s, [&] {
    return read_file(s.rt / "plain/log/current").find("hello from 1") != std::string::npos;
  }));
}

TEST_CASE("svdeploy new: the account template runs as its account in a runtime dir it owns",
          "[svdeploy][e2e]") {
  if (!need_root("running as another account")) return;
  Scratch s;
  auto r = s.deploy({"new", "acct", "--template", "account", "--set", "user=nobody", "--set",
                     "command=sh -c 'touch mine; exec sleep 60'"});
  REQUIRE(r.code == 0);
  struct stat st;
  for (const char* sub : {"", "/log", "/etc", "/data", "/run", "/console"}) {
    INFO(sub);
    REQUIRE(::stat((s.rt / ("acct" + std::string(sub))).c_str(), &st) == 0);
    CHECK(st.st_uid == 65534);
  }
  REQUIRE(eventually(5s, [&] { return svkit::test::exists(s.rt / "acct/data/mine"); }));
  // A release installed (not from a template) names its account with --user.
  s.release("plain", steady());
  r = s.deploy({"install", "plain", "1", (s.src / "plain").string(), "--user", "nobody"});
  REQUIRE(r.code == 0);
  CHECK(read_file(s.store / "plain/owner") == "nobody\n");
  for (const char* sub : {"", "/log", "/etc", "/data", "/run", "/console"}) {
    INFO(sub);
    REQUIRE(::stat((s.rt / ("plain" + std::string(sub))).c_str(), &st) == 0);
    CHECK(st.st_uid == 65534);
  }
  r = s.deploy({"install", "plain", "2", (s.src / "plain").string(), "--user", "svdeploy-no-such-user"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: unknown account 'svdeploy-no-such-user' (--user)\n");
  CHECK(read_file(s.store / "plain/owner") == "nobody\n");
  CHECK_FALSE(svkit::test::exists(s.store / "plain/2"));
  REQUIRE(eventually(5s, [&] { return s.pid("acct") > 0 && uid_of(s.pid("acct")) == "65534"; }));
}

TEST_CASE("svdeploy: the README tour works as written", "[svdeploy][e2e][demo]") {
  Scratch s;
  // The tour's commands, with the roots moved into the scratch directory by environment.
  auto readme = read_file(std::string(SVKIT_SOURCE_DIR) + "/README.md");
  auto from = readme.find("## Deploying versions: svdeploy");
  REQUIRE(from != std::string::npos);
  std::string script = "set -e\ncd " + std::string(SVKIT_SOURCE_DIR) + "\n";
  auto end = readme.find("\n## ", from + 5);
  for (auto& line : split_lines(readme.substr(from, end - from))) {
    if (line.rfind("    ", 0) != 0) continue;
    std::string cmd = line.substr(4);
    if (cmd.rfind("tail ", 0) == 0) continue;
    size_t p;
    while ((p = cmd.find("/var/lib/svkit/releases")) != std::string::npos)
      cmd.replace(p, 23, s.store.string());
    while ((p = cmd.find("/tmp/web-")) != std::string::npos) cmd.replace(p, 9, s.tmp.str() + "/web-");
    // The broken release exits 1 (rolled back): the script goes on.
    if (cmd.rfind("svdeploy activate web 3", 0) == 0) cmd = "! " + cmd.substr(0, cmd.find('#'));
    script += cmd + "\n";
  }
  INFO(script);
  auto r = sh(script, s.opts({{"SVDEPLOY_SETTLE", "0.3"}}));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.out.find("web 2: active (was 1)") != std::string::npos);
  CHECK(r.err.find("svdeploy: fatal: rolled back to 2: 3 exited 3 times within ") != std::string::npos);
  CHECK(r.out.find("web 1: active (was 2)") != std::string::npos);
  CHECK(s.active("web") == "1");
  CHECK(read_file(s.rt / "web/log/current").find("web 2") != std::string::npos);
}

TEST_CASE("svdeploy new --plain: a plain service directory from a template, linked as sv enable links",
          "[svdeploy][e2e]") {
  Scratch s;
  const std::string cmd = "sh -c 'env > \"$SVKIT_RUNTIME_DIR/data/env\"; exec sleep 60'";
  auto plain = [&](const std::string& name) {
    return s.deploy({"new", name, "--plain", "--template", "daemon-log", "--set", "command=" + cmd});
  };
  auto r = plain("web@8080");
  REQUIRE(r.code == 0);
  auto dir = s.sv / "web@8080";
  CHECK(r.out == "web@8080 1: up, plain service directory " + dir.string() + "\n");
  CHECK(fs::read_symlink(s.scan / "web@8080") == dir);
  CHECK_FALSE(svkit::test::exists(s.store / "web@8080"));  // no release, no state
  // The rendered template, variables substituted, beside the generated ./run.
  CHECK(read_file(dir / "1/run") ==
        "#!/bin/sh\n# web@8080: a daemon whose output svlogd keeps in the runtime directory's log/.\n"
        "exec 2>&1\nexec " + cmd + "\n");
  CHECK(fs::read_symlink(dir / "current").string() == "1");
  // Supervised by the svscan of the scan directory, with its logger, in its runtime dir.
  REQUIRE(eventually(10s, [&] {
    auto st = svkit::read_status(dir.string());
    return st && st->state == svkit::RunState::run && st->pid > 0;
  }));
  check_web8080_env(s);
  for (const char* sub : {"log", "etc", "data", "run", "console"})
    CHECK(fs::is_directory(s.rt / "web@8080" / sub));
  CHECK(eventually(10s, [&] { return svkit::test::exists(s.rt / "web@8080/log/current"); }));
  // A second instance of the same template.
  REQUIRE(plain("web@8081").code == 0);
  auto st1 = svkit::read_status(dir.string()), st2 = svkit::read_status((s.sv / "web@8081").string());
  REQUIRE(st1);
  REQUIRE(st2);
  CHECK(st1->pid != st2->pid);
  CHECK(eventually(5s, [&] {
    return read_file(s.rt / "web@8081/data/env").find("SVKIT_INSTANCE=8081\n") != std::string::npos;
  }));
  // Release-only commands, and a second new of the same name, are refused.
  for (std::vector<std::string> a : {std::vector<std::string>{"activate", "web@8080", "1"},
                                     std::vector<std::string>{"rollback", "web@8080"}}) {
    r = s.deploy(a);
    CHECK(r.code == 100);
    CHECK(r.err == "svdeploy: fatal: web@8080 is a plain service directory (" + dir.string() +
                       "), not a release: " + a[0] + " works on releases only\n");
  }
  r = plain("web@8080");
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: web@8080 exists as " + dir.string() + "\n");
  // Never linked over another service; a template error: nothing written.
  auto others = [&] {
    std::vector<std::string> n;
    for (auto& e : fs::directory_iterator(s.sv)) n.push_back(e.path().filename().string());
    std::sort(n.begin(), n.end());
    return n;
  };
  make_dirs(s.tmp / "elsewhere");
  fs::create_symlink(s.tmp / "elsewhere", s.scan / "taken");
  r = plain("taken");
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: another service is linked as " + (s.scan / "taken").string() + "\n");
  auto t = s.tmp / "tmpl";
  make_dirs(t);
  write_script(t / "run", "exec sleep {{ seconds }}\n");
  r = s.deploy({"new", "bad@1", "--plain", "--template", t.string()});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: " + (t / "run").string() + ":2: undefined variable 'seconds'\n");
  CHECK(others() == std::vector<std::string>{"web@8080", "web@8081"});
  CHECK_FALSE(svkit::test::exists(s.scan / "bad@1"));
  CHECK_FALSE(svkit::test::exists(s.rt / "bad@1"));
  CHECK_FALSE(svkit::test::exists(s.store / "bad@1"));
}
