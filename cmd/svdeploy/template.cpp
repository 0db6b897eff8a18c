// SPDX-License-Identifier: MIT
// svdeploy templates: a directory whose files hold {{ name }} placeholders, a `vars` file
// of defaults (ini `key = value`). Everything is rendered in memory first, so an error
// (undefined variable, unterminated {{, bad value) names file, line and variable and
// writes nothing. No code runs; file modes are kept.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <sstream>

#include "deploy.hpp"

namespace fs = boost::filesystem;

namespace svdeploy {

namespace {

bool ident(const std::string& s) {
  if (s.empty() || !(isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (unsigned char c : s)
    if (!(isalnum(c) || c == '_' || c == '-')) return false;
  return true;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool blank(const std::string& text, size_t from, size_t to) {
  for (size_t k = from; k < to; ++k)
    if (text[k] != ' ' && text[k] != '\t') return false;
  return true;
}

// A value with a newline may only replace a placeholder that stands alone on its line (a
// block of lines, e.g. in a configuration file), and never in env/ (one value per file,
// read up to its first newline). Elsewhere it would split a command line.
std::string render(const std::string& file, const std::string& text, const Vars& vars,
                   bool blocks) {
  std::string out;
  size_t line = 1, i = 0;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    size_t end = open == std::string::npos ? text.size() : open;
    for (size_t k = i; k < end; ++k)
      if (text[k] == '\n') ++line;
    out.append(text, i, end - i);
    if (open == std::string::npos) break;
    size_t close = text.find("}}", open + 2), nl = text.find('\n', open + 2);
    if (close == std::string::npos || (nl != std::string::npos && nl < close)) {
      std::string rest = trim(text.substr(open + 2, (nl == std::string::npos ? text.size() : nl) - open - 2));
      if (rest.size() > 40) rest = rest.substr(0, 40) + "...";
      fail(kExitRefused, file + ":" + std::to_string(line) + ": unterminated {{" +
                             (rest.empty() ? "" : " " + rest));
    }
    std::string name = trim(text.substr(open + 2, close - open - 2));
    if (!ident(name))
      fail(kExitRefused, file + ":" + std::to_string(line) + ": bad placeholder {{" +
                             text.substr(open + 2, close - open - 2) + "}}");
    auto v = vars.values.find(name);
    if (v == vars.values.end())
      fail(kExitRefused, file + ":" + std::to_string(line) + ": undefined variable '" + name + "'");
    if (v->second.find_first_of("\n\r") != std::string::npos) {
      size_t bol = text.rfind('\n', open);
      bol = bol == std::string::npos ? 0 : bol + 1;
      size_t eol = std::min(nl, text.size());
      if (!blocks || !blank(text, bol, open) || !blank(text, close + 2, eol))
        fail(kExitRefused, file + ":" + std::to_string(line) + ": variable '" + name +
                               "' has a newline, allowed only in a placeholder alone on its line" +
                               (blocks ? "" : " outside env/"));
    }
    out += v->second;
    i = close + 2;
  }
  return out;
}

struct Entry {
  std::string rel;
  char type;  // d, f, l
  mode_t mode;
  std::string data;  // contents or link target
};

}  // namespace

void read_vars_file(const std::string& path, Vars& vars) {
  bool found = false;
  std::string text = read_text(path, &found);
  if (!found) fail(kExitRefused, "unable to read variables file " + path);
  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';' || t[0] == '[') continue;
    auto eq = t.find('=');
    std::string k = eq == std::string::npos ? "" : trim(t.substr(0, eq));
    if (!ident(k))
      fail(kExitRefused, path + ":" + std::to_string(n) + ": expected 'key = value'");
    vars.values[k] = trim(t.substr(eq + 1));
  }
}

void render_template(const std::string& tdir, const Vars& vars, const std::string& out_dir) {
  struct stat st;
  if (::stat(tdir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    fail(kExitRefused, "no template " + tdir);
  std::vector<Entry> entries;
  boost::system::error_code ec;
  std::vector<fs::path> paths;  // sorted: the first error is the same on every machine
  for (fs::recursive_directory_iterator it(tdir, ec), end; !ec && it != end; it.increment(ec))
    paths.push_back(it->path());
  std::sort(paths.begin(), paths.end());
  for (auto& path : paths) {
    std::string rel = path.lexically_relative(tdir).string();
    if (rel == "vars" || rel == "README") continue;
    std::string shown = tdir + "/" + rel;
    if (::lstat(path.c_str(), &st) != 0) fail_sys("unable to read " + shown);
    if (S_ISDIR(st.st_mode)) entries.push_back({rel, 'd', st.st_mode & 07777, ""});
    else if (S_ISLNK(st.st_mode))
      entries.push_back({rel, 'l', 0, fs::read_symlink(path, ec).string()});
    else if (S_ISREG(st.st_mode))
      entries.push_back({rel, 'f', st.st_mode & 07777, render(shown, read_text(path.string()), vars, rel.rfind("env/", 0) != 0)});
    else
      fail(kExitRefused, shown + ": not a file, directory or symlink");
  }
  if (ec) fail(kExitTemporary, "unable to read " + tdir + ": " + ec.message());
  if (::mkdir(out_dir.c_str(), 0755) != 0) fail_sys("unable to create " + out_dir);
  std::vector<std::pair<std::string, mode_t>> dirs;
  for (auto& e : entries) {
    std::string p = out_dir + "/" + e.rel;
    if (e.type == 'd') {
      if (::mkdir(p.c_str(), 0700) != 0) fail_sys("unable to create " + p);
      dirs.push_back({p, e.mode});
    } else if (e.type == 'l') {
      if (::symlink(e.data.c_str(), p.c_str()) != 0) fail_sys("unable to create " + p);
    } else {
      write_atomic(p, e.data, 0600);
      ::chmod(p.c_str(), e.mode);
    }
  }
  for (auto i = dirs.rbegin(); i != dirs.rend(); ++i) ::chmod(i->first.c_str(), i->second);
}

}  // namespace svdeploy
