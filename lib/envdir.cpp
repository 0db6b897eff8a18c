// SPDX-License-Identifier: MIT
// envdir: the per-file value rule (pure) and the directory walk (thin I/O).
#include "svkit/envdir.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "svkit/read_file.hpp"
#include "svkit/unique_fd.hpp"

namespace svkit {

std::optional<std::string> envdir_value(std::string_view content) {
  if (content.empty()) return std::nullopt;
  std::string v(content.substr(0, content.find('\n')));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
  for (char& c : v)
    if (c == '\0') c = '\n';
  return v;
}

namespace {

EnvDirResult failed(EnvDirStep step, const char* entry = "") {
  return EnvDirResult{step, errno, entry};
}

EnvDirResult read_entries(EnvEdit& edits) {
  DIR* dir = ::opendir(".");
  if (!dir) return failed(EnvDirStep::read_dir);
  std::string content;
  for (;;) {
    errno = 0;
    dirent* d = ::readdir(dir);
    if (!d) {
      EnvDirResult r = errno ? failed(EnvDirStep::read_dir) : EnvDirResult{};
      ::closedir(dir);
      return r;
    }
    if (d->d_name[0] == '.') continue;
    if (!read_file_at(AT_FDCWD, d->d_name, content)) {
      if (errno != ENOENT) {
        EnvDirResult r = failed(EnvDirStep::read_entry, d->d_name);
        ::closedir(dir);
        return r;
      }
      content.clear();  // vanished or dangling: like an empty file
    }
    if (auto value = envdir_value(content))
      edits.set(d->d_name, *value);
    else
      edits.unset(d->d_name);
  }
}

}  // namespace

EnvDirResult read_env_dir(const char* dir, EnvEdit& edits) {
#ifdef O_PATH
  // O_PATH: returning works even when the starting directory is not readable.
  UniqueFd start(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
#else
  UniqueFd start(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
#endif
  if (!start) return failed(EnvDirStep::save_cwd);
  if (::chdir(dir) != 0) return failed(EnvDirStep::enter_dir);
  EnvDirResult r = read_entries(edits);
  if (::fchdir(start.get()) != 0 && r.step == EnvDirStep::ok)
    return failed(EnvDirStep::restore_cwd);
  return r;
}

}  // namespace svkit
