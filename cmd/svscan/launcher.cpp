// SPDX-License-Identifier: MIT
// launcher: svkit::spawn with a prepared argv/envp; the child is clean (mask, dispositions,
// only fds 0-2 plus the log pipe) and stays in svscan's process group, as under runsvdir.
#include "launcher.hpp"

#include <string.h>

#include "svkit/paths.hpp"
#include "svkit/spawn.hpp"

extern char** environ;

namespace svscan {

Launcher::Launcher(std::string supervise_path, std::string scan_dir)
    : path_(std::move(supervise_path)), dir_(std::move(scan_dir)) {
  std::string prefix = std::string(svkit::kLogPipeEnv) + "=";
  std::string scan = std::string(svkit::kScanDirEnv) + "=";
  for (char** e = environ; *e; ++e)
    if (strncmp(*e, prefix.c_str(), prefix.size()) != 0 && strncmp(*e, scan.c_str(), scan.size()) != 0)
      env_strings_.emplace_back(*e);
  env_strings_.push_back(scan + dir_);
  env_strings_.push_back(prefix + "3,4");
  for (auto& s : env_strings_) env_log_.push_back(s.data());
  env_plain_.assign(env_log_.begin(), env_log_.end() - 1);
  env_log_.push_back(nullptr);
  env_plain_.push_back(nullptr);
}

pid_t Launcher::start(const std::string& name, int log_r, int log_w) const noexcept {
  char arg0[] = "supervise";
  char* argv[] = {arg0, const_cast<char*>(name.c_str()), nullptr};
  svkit::FdMove moves[] = {{log_r, 3}, {log_w, 4}};
  bool log = log_r >= 0 && log_w >= 0;
  svkit::SpawnSpec spec;
  spec.path = path_.c_str();
  spec.argv = argv;
  spec.envp = const_cast<char* const*>(log ? env_log_.data() : env_plain_.data());
  spec.cwd = dir_.c_str();
  spec.moves = log ? moves : nullptr;
  spec.n_moves = log ? 2 : 0;
  spec.new_session = false;
  return svkit::spawn_nowait(spec);  // exec failures come back as exit 126/127 (reap)
}

}  // namespace svscan
