// SPDX-License-Identifier: MIT
// scan_dir: the services of a scan directory. A service is an entry whose name does not
// start with '.' and that is a directory or a symlink to one; its identity is the
// (device, inode) of the directory it leads to, so renames and aliases are the same service.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace svkit {

struct ServiceKey {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const ServiceKey& o) const noexcept { return dev == o.dev && ino == o.ino; }
  bool operator!=(const ServiceKey& o) const noexcept { return !(*this == o); }
};

struct ServiceKeyHash {
  size_t operator()(const ServiceKey& k) const noexcept {
    return std::hash<unsigned long long>()(static_cast<unsigned long long>(k.ino) * 1000003u ^
                                           static_cast<unsigned long long>(k.dev));
  }
};

struct ServiceEntry {
  std::string name;
  ServiceKey key;
};

// True for a name that may be a service: not empty, no leading '.', no '/'.
bool is_service_name(std::string_view name) noexcept;

enum class EntryKind {
  service,  // a directory, or a symlink to one: KEY is set
  other,    // missing, a file, a dangling symlink, a symlink loop, a dot name
  error     // could not tell (EACCES, EIO, ...): errno is set
};
// What NAME (relative to DIRFD) is now.
EntryKind classify_entry(int dirfd, const char* name, ServiceKey& key) noexcept;

struct ScanResult {
  std::vector<ServiceEntry> services;  // in directory order
  bool complete = true;                // false: some entry could not be examined
};
// Lists the services of DIR. Returns false with errno when DIR cannot be read at all.
bool scan_services(const std::string& dir, ScanResult& out) noexcept;

}  // namespace svkit
