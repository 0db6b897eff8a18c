// SPDX-License-Identifier: MIT
// dependencies: readdir + lstat + readlink on dependencies.d; identity by stat (st_dev,
// st_ino) of the directory a dependency leads to, as for the scan directory's services.
#include "svkit/dependencies.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <new>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "svkit/scan_dir.hpp"

namespace svkit {
namespace {

bool key_of(const std::string& dir, ServiceKey& key) noexcept {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  key = ServiceKey{st.st_dev, st.st_ino};
  return true;
}

std::string scan_dir_of(const std::string& service_dir, const std::string& scan_dir) {
  return scan_dir.empty() ? service_dir + "/.." : scan_dir;
}

// The name a user knows SERVICE_DIR by: its last component ("." and ".." resolved).
std::string own_name(const std::string& service_dir) {
  std::string s = service_dir;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  std::string base = s.substr(s.rfind('/') == std::string::npos ? 0 : s.rfind('/') + 1);
  if (!base.empty() && base != "." && base != "..") return base;
  char buf[4096];
  if (!::realpath(service_dir.c_str(), buf)) return service_dir;
  const char* slash = std::strrchr(buf, '/');
  return slash && slash[1] ? slash + 1 : buf;
}

// Reads one entry of dependencies.d (open as DFD, at DEPS_PATH). False: not a dependency
// (ERROR says why when it is worth saying).
bool read_entry(int dfd, const char* name, const std::string& deps_path, const std::string& scan,
                Dependency& out, std::string& error) {
  struct stat st;
  if (::fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT) error = std::string("unable to stat dependencies.d/") + name + ": " +
                                 std::strerror(errno);
    return false;
  }
  out.name = name;
  if (S_ISREG(st.st_mode)) {
    out.path = scan + "/" + name;
    return true;
  }
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlinkat(dfd, name, target, sizeof target - 1);
    if (n <= 0) {
      error = std::string("unable to read link dependencies.d/") + name + ": " +
              std::strerror(n < 0 ? errno : EINVAL);
      return false;
    }
    target[n] = '\0';
    out.path = target[0] == '/' ? std::string(target) : deps_path + "/" + target;
    return true;
  }
  error = std::string("dependencies.d/") + name + " is neither a file nor a symlink";
  return false;
}

DependencyList read_list(const std::string& service_dir, const std::string& scan_dir) {
  DependencyList list;
  const std::string deps_path = service_dir + "/dependencies.d";
  DIR* d = ::opendir(deps_path.c_str());  // close-on-exec with glibc and the BSDs
  if (!d) {
    if (errno != ENOENT) list.error = "unable to open dependencies.d: " + std::string(std::strerror(errno));
    return list;
  }
  const std::string scan = scan_dir_of(service_dir, scan_dir);
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(d);
    if (!e) {
      if (errno != 0) list.error = "unable to read dependencies.d: " + std::string(std::strerror(errno));
      break;
    }
    if (e->d_name[0] == '.') continue;
    Dependency dep;
    std::string error;
    if (read_entry(::dirfd(d), e->d_name, deps_path, scan, dep, error))
      list.deps.push_back(std::move(dep));
    else if (list.error.empty())
      list.error = error;
  }
  ::closedir(d);
  std::sort(list.deps.begin(), list.deps.end(),
            [](const Dependency& a, const Dependency& b) { return a.name < b.name; });
  return list;
}

}  // namespace

DependencyList read_dependencies(const std::string& service_dir, const std::string& scan_dir) {
  try {
    return read_list(service_dir, scan_dir);
  } catch (const std::bad_alloc&) {
    DependencyList list;
    list.error = "out of memory";
    return list;
  }
}

std::vector<std::string> find_cycle(const std::string& service_dir, const std::string& scan_dir) {
  try {
    ServiceKey start;
    if (!key_of(service_dir, start)) return {};
    // Depth-first walk with an explicit stack; a directory already walked from cannot lead
    // back to the start (or it would have), so each is expanded once.
    struct Frame {
      std::vector<Dependency> deps;
      size_t next = 0;
      std::string name;
    };
    std::unordered_set<ServiceKey, ServiceKeyHash> seen{start};
    std::vector<Frame> stack;
    stack.push_back({read_list(service_dir, scan_dir).deps, 0, own_name(service_dir)});
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next == top.deps.size()) {
        stack.pop_back();
        continue;
      }
      const Dependency& dep = top.deps[top.next++];
      ServiceKey key;
      if (!key_of(dep.path, key)) continue;  // missing: a leaf
      if (key == start) {
        std::vector<std::string> names;
        for (const Frame& f : stack) names.push_back(f.name);
        return names;
      }
      if (!seen.insert(key).second) continue;
      std::string name = dep.name;
      std::vector<Dependency> next = read_list(dep.path, scan_dir).deps;
      stack.push_back({std::move(next), 0, std::move(name)});
    }
    return {};
  } catch (const std::bad_alloc&) {
    return {};
  }
}

std::vector<size_t> stop_order(const std::vector<std::string>& service_dirs,
                               const std::string& scan_dir) {
  const size_t n = service_dirs.size();
  std::vector<size_t> order;
  order.reserve(n);
  std::unordered_map<ServiceKey, size_t, ServiceKeyHash> index;
  for (size_t i = 0; i < n; ++i) {
    ServiceKey key;
    if (key_of(service_dirs[i], key)) index.emplace(key, i);  // the first name of an alias wins
  }
  // uses[i]: the services I depends on; dependents[j]: how many not yet stopped depend on J.
  std::vector<std::vector<size_t>> uses(n);
  std::vector<size_t> dependents(n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (const Dependency& dep : read_list(service_dirs[i], scan_dir).deps) {
      ServiceKey key;
      if (!key_of(dep.path, key)) continue;
      auto it = index.find(key);
      if (it == index.end() || it->second == i) continue;
      if (std::find(uses[i].begin(), uses[i].end(), it->second) != uses[i].end()) continue;
      uses[i].push_back(it->second);
      ++dependents[it->second];
    }
  }
  // Stable topological order: always the lowest index nobody left depends on; on a cycle,
  // the lowest index not yet stopped.
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < n; ++i)
    if (dependents[i] == 0) ready.push(i);
  std::vector<bool> done(n, false);
  size_t lowest = 0;
  while (order.size() < n) {
    size_t i;
    if (!ready.empty()) {
      i = ready.top();
      ready.pop();
      if (done[i]) continue;
    } else {
      while (done[lowest]) ++lowest;
      i = lowest;
    }
    done[i] = true;
    order.push_back(i);
    for (size_t j : uses[i])
      if (--dependents[j] == 0 && !done[j]) ready.push(j);
  }
  return order;
}

}  // namespace svkit
