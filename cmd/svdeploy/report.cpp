// SPDX-License-Identifier: MIT
// svdeploy status/list/history: "what runs where", read from the store's state files and
// the supervise status files, without waiting on anyone.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cstdio>
#include <sstream>

#include "deploy.hpp"
#include "svkit/status_text.hpp"

namespace fs = boost::filesystem;

namespace svdeploy {

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

std::string js(const std::string& s) { return svkit::json_string(s); }

void out(const std::string& text) {
  if (!text.empty()) std::fwrite(text.data(), 1, text.size(), stdout);
}

// An interrupted command's intent record: repaired now if nobody holds the lock.
std::string check_intent(const Service& s) {
  if (!path_exists(s.dir + "/.intent")) return "";
  int fd = ::open((s.dir + "/.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    try {
      repair(s);
    } catch (const Fatal& f) {
      warn(s.name + ": unable to repair an interrupted command: " + f.what());
    }
    ::close(fd);
    return path_exists(s.dir + "/.intent") ? "interrupted" : "";
  }
  if (fd >= 0) ::close(fd);
  std::istringstream in(read_text(s.dir + "/.intent"));
  std::string action, from, to;
  in >> action >> from >> to;
  return action + " of " + to + " in progress";
}

}  // namespace

int status_cmd(const Roots& r, const std::vector<std::string>& names, bool json) {
  std::vector<std::string> all = names;
  if (all.empty()) {
    boost::system::error_code ec;
    for (fs::directory_iterator it(r.store, ec), end; !ec && it != end; it.increment(ec)) {
      std::string n = it->path().filename().string();
      if (!n.empty() && n[0] != '.' && it->status().type() == fs::directory_file) all.push_back(n);
    }
    std::sort(all.begin(), all.end());
  }
  std::string host = host_name(), text = json ? "[" : "";
  int rc = 0;
  bool first = true;
  for (auto& name : all) {
    Service s = service(r, name);
    if (!path_exists(s.dir)) {
      warn(name + ": no such service in " + r.store);
      rc = kExitRefused;
      continue;
    }
    std::string note = check_intent(s);
    State st = read_state(s);
    Health h = read_health(s.service_dir());
    std::string state = !h.supervised ? (path_exists(s.service_dir()) ? "unsupervised" : "not activated")
                                      : h.phase;
    if (json) {
      text += std::string(first ? "" : ",") + "\n{\"name\":" + js(name) + ",\"host\":" + js(host) +
              ",\"active\":" + (st.active.empty() ? "null" : js(st.active)) +
              ",\"previous\":" + (st.previous.empty() ? "null" : js(st.previous)) +
              ",\"state\":" + js(state) + ",\"pid\":" + std::to_string(h.supervised ? h.pid : 0) +
              ",\"seconds\":" + std::to_string(static_cast<long>(h.since)) +
              ",\"ready\":" + (h.ready == "-" ? "null" : h.ready == "1" ? "true" : "false") +
              ",\"activated_at\":" + (st.activated_at.empty() ? "null" : js(st.activated_at)) +
              ",\"activated_by\":" + (st.activated_by.empty() ? "null" : js(st.activated_by)) +
              ",\"note\":" + (note.empty() ? "null" : js(note)) + "}";
    } else {
      text += name + ": " + (st.active.empty() ? "(none)" : st.active) + " " + state;
      if (h.supervised && h.pid) text += " (pid " + std::to_string(h.pid) + ")";
      if (h.supervised) text += " " + std::to_string(static_cast<long>(h.since)) + " s";
      text += ", ready " + h.ready;
      text += "; previous " + (st.previous.empty() ? std::string("(none)") : st.previous);
      if (!st.activated_at.empty())
        text += "; activated " + st.activated_at + " by " + st.activated_by;
      text += " on " + host;
      if (!note.empty()) text += "; " + note;
      text += "\n";
    }
    first = false;
  }
  if (json) text += first ? "]\n" : "\n]\n";
  out(text);
  return rc;
}

int list_cmd(const Service& s, bool json) {
  if (!path_exists(s.dir)) fail(kExitRefused, s.name + ": no such service in " + s.roots->store);
  check_intent(s);
  State st = read_state(s);
  std::string text = json ? "{\"name\":" + js(s.name) + ",\"versions\":[" : "";
  bool first = true;
  for (auto& v : versions(s)) {
    bool a = v == st.active, p = v == st.previous;
    if (json) {
      text += std::string(first ? "" : ",") + "{\"version\":" + js(v) +
              ",\"active\":" + (a ? "true" : "false") + ",\"previous\":" + (p ? "true" : "false") + "}";
    } else {
      text += v + (a ? " active" : p ? " previous" : "") + "\n";
    }
    first = false;
  }
  if (json) text += "]}\n";
  out(text);
  return 0;
}

int history_cmd(const Service& s, bool json) {
  if (!path_exists(s.dir)) fail(kExitRefused, s.name + ": no such service in " + s.roots->store);
  check_intent(s);
  std::string text = read_text(s.dir + "/.history");
  if (!json) {
    out(text);
    return 0;
  }
  static const char* const kKeys[] = {"time", "user", "action", "from", "to", "result"};
  std::string o = "[";
  std::istringstream in(text);
  bool first = true;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    for (size_t at = 0;;) {
      size_t tab = line.find('\t', at);
      if (f.size() == 5 || tab == std::string::npos) {
        f.push_back(line.substr(at));
        break;
      }
      f.push_back(line.substr(at, tab - at));
      at = tab + 1;
    }
    if (f.size() != 6) continue;  // not a journal line
    o += std::string(first ? "\n{" : ",\n{");
    for (int i = 0; i < 6; ++i)
      o += std::string(i ? "," : "") + "\"" + kKeys[i] + "\":" +
           ((i == 3 || i == 4) && f[i] == "-" ? std::string("null") : js(f[i]));
    o += "}";
    first = false;
  }
  o += first ? "]\n" : "\n]\n";
  out(o);
  return 0;
}

}  // namespace svdeploy
