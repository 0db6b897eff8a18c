// SPDX-License-Identifier: MIT
// scan_dir: readdir + fstatat (following symlinks) on the scan directory.
#include "svkit/scan_dir.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace svkit {

bool is_service_name(std::string_view name) noexcept {
  return !name.empty() && name[0] != '.' && name.find('/') == std::string_view::npos;
}

EntryKind classify_entry(int dirfd, const char* name, ServiceKey& key) noexcept {
  if (!is_service_name(name)) return EntryKind::other;
  struct stat st;
  if (::fstatat(dirfd, name, &st, 0) != 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return EntryKind::other;
    return EntryKind::error;
  }
  if (!S_ISDIR(st.st_mode)) return EntryKind::other;
  key = ServiceKey{st.st_dev, st.st_ino};
  return EntryKind::service;
}

bool scan_services(const std::string& dir, ScanResult& out) noexcept {
  out.services.clear();
  out.complete = true;
  DIR* d = ::opendir(dir.c_str());  // glibc and the BSDs open it close-on-exec
  if (!d) return false;
  int fd = ::dirfd(d);
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(d);
    if (!e) break;
    if (!is_service_name(e->d_name)) continue;
#ifdef DT_REG
    if (e->d_type != DT_DIR && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN) continue;
#endif
    ServiceKey key;
    switch (classify_entry(fd, e->d_name, key)) {
      case EntryKind::service:
        try {
          out.services.push_back({e->d_name, key});
        } catch (...) {  // std::bad_alloc: report the scan as failed
          ::closedir(d);
          errno = ENOMEM;
          return false;
        }
        break;
      case EntryKind::other: break;
      case EntryKind::error: out.complete = false; break;
    }
  }
  int e = errno;
  ::closedir(d);
  errno = e;
  return e == 0;
}

}  // namespace svkit
