// SPDX-License-Identifier: MIT
// processor: the `!command` of a log directory, run on each rotated @….u file with
// stdin = @….u, stdout = @….t, fd 4 = state, fd 5 = newstate, cwd = the directory.
// Success: .t becomes .s (0744), .u goes, newstate becomes state. Failure: .t goes,
// the .u stays and the processor is started again after kPause (log_dir.hpp).
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "log_dir.hpp"
#include "svkit/diag.hpp"
#include "svkit/spawn.hpp"

namespace svlogd {
namespace {
std::string with_suffix(const std::string& name, char c) {
  std::string n = name;
  n.back() = c;
  return n;
}
}  // namespace

void LogDir::start_processor() {
  proc_retry_ = false;
  if (cfg_.processor.empty() || saved_.empty() || proc_pid_) return;
  int d = dir_.get();
  svkit::UniqueFd in(::openat(d, saved_.c_str(), O_RDONLY | O_CLOEXEC));
  svkit::UniqueFd out(::openat(d, with_suffix(saved_, 't').c_str(),
                               O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  svkit::UniqueFd state(::openat(d, "state", O_RDONLY | O_CLOEXEC));
  if (!state && errno == ENOENT) {
    svkit::UniqueFd(::openat(d, "state", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
    state.reset(::openat(d, "state", O_RDONLY | O_CLOEXEC));
  }
  svkit::UniqueFd next(::openat(d, "newstate", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  pid_t pid = -1;
  if (in && out && state && next) {
    const char* argv[] = {"sh", "-c", cfg_.processor.c_str(), nullptr};
    svkit::FdMove moves[] = {{in.get(), 0}, {out.get(), 1}, {state.get(), 4}, {next.get(), 5}};
    svkit::SpawnSpec spec;
    spec.path = "/bin/sh";
    spec.argv = const_cast<char* const*>(argv);
    spec.cwd = name_.c_str();
    spec.moves = moves;
    spec.n_moves = 4;
    spec.new_session = false;
    pid = svkit::spawn(spec);
  }
  if (pid < 0) {
    svkit::warn_sys({"unable to run processor: ", name_});
    proc_retry_ = true;
    proc_retry_at_ = Clock::now() + kPause;
    return;
  }
  proc_pid_ = pid;
}

void LogDir::processor_done(int wstat) {
  proc_pid_ = 0;
  int d = dir_.get();
  if (!WIFEXITED(wstat) || WEXITSTATUS(wstat) != 0) {
    svkit::warn({"processor failed, restart: ", name_});
    ::unlinkat(d, with_suffix(saved_, 't').c_str(), 0);
    proc_retry_ = true;
    proc_retry_at_ = Clock::now() + kPause;
    return;
  }
  std::string t = with_suffix(saved_, 't'), s = with_suffix(saved_, 's');
  retry([&] { return ::renameat(d, t.c_str(), d, s.c_str()) == 0; },
        [&] { svkit::warn_sys({"unable to rename processed: ", name_}); });
  ::fchmodat(d, s.c_str(), 0744, 0);
  if (::unlinkat(d, saved_.c_str(), 0) != 0) svkit::warn({"unable to unlink: ", name_, "/", saved_});
  if (::renameat(d, "newstate", d, "state") != 0) svkit::warn_sys({"unable to rename state: ", name_});
  saved_.clear();
}

bool LogDir::reap(pid_t pid, int wstat) {
  if (!proc_pid_ || pid != proc_pid_) return false;
  processor_done(wstat);
  return true;
}

// Blocks until the processor of the last rotation has succeeded (runit does the same).
void LogDir::wait_processor() {
  while (proc_pid_ || proc_retry_) {
    if (proc_retry_) {
      sleep_for(proc_retry_at_ - Clock::now());  // the pause of the retry rule
      start_processor();
      continue;
    }
    int wstat;
    pid_t r = ::waitpid(proc_pid_, &wstat, 0);
    if (r == proc_pid_) processor_done(wstat);
    else if (r < 0 && errno != EINTR) proc_pid_ = 0;  // not our child any more
  }
}

}  // namespace svlogd
