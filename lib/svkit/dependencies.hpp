// SPDX-License-Identifier: MIT
// dependencies: a service's dependencies.d (s6-rc's source format) and the order the
// dependencies impose: cycles through a service, and the order in which to stop services.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace svkit {

struct Dependency {
  std::string name;  // shown to users: the entry's name in dependencies.d
  std::string path;  // the service directory it leads to
};

struct DependencyList {
  std::vector<Dependency> deps;
  std::string error;  // one line ("" when dependencies.d was read without trouble)
};

// SERVICE_DIR/dependencies.d: a regular file NAME (empty; its content is ignored) stands for
// SCAN_DIR/NAME; a symlink for the directory it points to (a relative target resolves from
// dependencies.d). A missing dependencies.d is an empty list. Entries starting with '.' are
// ignored; other kinds of entries are skipped and named in ERROR. Sorted by name. An empty
// SCAN_DIR means SERVICE_DIR/.. .
DependencyList read_dependencies(const std::string& service_dir, const std::string& scan_dir);

// The dependency cycle through SERVICE_DIR as names {"a", "b", "c"} (a -> b -> c -> a, "a"
// being SERVICE_DIR's own name), empty when there is none. A dependency on itself is a cycle
// of one. Each service directory (by device and inode) is examined at most once.
std::vector<std::string> find_cycle(const std::string& service_dir, const std::string& scan_dir);

// svscan's shutdown: indexes into SERVICE_DIRS in stop order, dependents before their
// dependencies. Services on a cycle, and unrelated services, keep their relative order.
std::vector<size_t> stop_order(const std::vector<std::string>& service_dirs,
                               const std::string& scan_dir);

}  // namespace svkit
