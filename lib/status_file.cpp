// SPDX-License-Identifier: MIT
// status_file: layout of the status record and atomic replacement of small files.
#include "svkit/status_file.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "svkit/paths.hpp"
#include "svkit/platform.hpp"
#include "svkit/unique_fd.hpp"

namespace svkit {

void pack_status(const Status& s, unsigned char out[kStatusSize]) noexcept {
  tai_pack(s.when, out);
  uint32_t pid = static_cast<uint32_t>(s.pid);
  for (int i = 0; i < 4; ++i) out[12 + i] = static_cast<unsigned char>(pid >> (8 * i));
  out[16] = s.paused ? 1 : 0;
  out[17] = static_cast<unsigned char>(s.want);
  out[18] = s.got_term ? 1 : 0;
  out[19] = static_cast<unsigned char>(s.state);
}

std::optional<Status> unpack_status(const unsigned char* d, size_t len) noexcept {
  if (len != kStatusSize && len != kDaemontoolsStatusSize) return std::nullopt;
  Status s;
  s.when = tai_unpack(d);
  uint32_t pid = 0;
  for (int i = 3; i >= 0; --i) pid = (pid << 8) | d[12 + i];
  s.pid = static_cast<pid_t>(pid);
  s.paused = d[16] != 0;
  s.want = d[17] == 'u' ? Want::up : d[17] == 'd' ? Want::down : Want::none;
  if (len == kStatusSize) {
    s.got_term = d[18] != 0;
    s.state = d[19] == 1 ? RunState::run : d[19] == 2 ? RunState::finish : RunState::down;
  } else {
    s.state = s.pid ? RunState::run : RunState::down;
  }
  return s;
}

const char* state_word(RunState st) noexcept {
  static const char* const kWords[] = {"down", "run", "finish"};
  auto i = static_cast<size_t>(st);
  return i < 3 ? kWords[i] : kWords[0];
}

size_t format_stat(const Status& s, char out[kStatLineMax]) noexcept {
  size_t n = 0;
  auto put = [&](const char* text) {
    size_t len = strlen(text);
    memcpy(out + n, text, len);
    n += len;
  };
  put(state_word(s.state));
  if (s.paused) put(", paused");
  if (s.got_term) put(", got TERM");
  if (s.state != RunState::down) {
    if (s.want_exit) put(", want exit");
    else if (s.want == Want::down) put(", want down");
  }
  out[n++] = '\n';
  return n;
}

bool replace_file(int dirfd, const char* name, const char* name_new, const void* data,
                  size_t len) noexcept {
  // A fresh file every time: O_EXCL neither follows a symlink nor writes through a hard
  // link planted at NAME_NEW; a leftover is removed once. Mode 0644 whatever the umask.
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(::openat(dirfd, name_new, flags, 0644));
  if (!fd && errno == EEXIST && ::unlinkat(dirfd, name_new, 0) == 0)
    fd.reset(::openat(dirfd, name_new, flags, 0644));
  if (!fd) return false;
  // fchmod only when the umask took bits of 0644 away (read once; nothing in svkit's
  // daemons changes its umask): one syscall less on every status write.
  static const bool masked = [] {
    mode_t m = ::umask(0);
    ::umask(m);
    return (m & 0644) != 0;
  }();
  if (masked && ::fchmod(fd.get(), 0644) != 0) return false;
  ssize_t n;
  do n = ::write(fd.get(), data, len); while (n < 0 && errno == EINTR);
  if (n < 0) return false;
  if (static_cast<size_t>(n) != len) {
    errno = EIO;
    return false;
  }
  if (::close(fd.release()) != 0) return false;
#if SVKIT_LINUX && defined(RENAME_EXCHANGE)
  // Swap the names, then remove the old file (now NAME_NEW). Readers see the old or the
  // new file at NAME, as with rename. On ext4 a rename over an existing file forces the
  // new file's blocks to be allocated and written out first (auto_da_alloc), about 0.2 ms
  // on every status write; an exchange does not (measured: 92 against 281 us per write).
  // The price: after a crash NAME may be empty, where ext4 would keep old or new data;
  // these files describe a running supervise, which rewrites them when it starts.
  if (::renameat2(dirfd, name_new, dirfd, name, RENAME_EXCHANGE) == 0) {
    ::unlinkat(dirfd, name_new, 0);  // if this fails, the next write removes it first
    return true;
  }
  // ENOENT: NAME does not exist yet; EINVAL/ENOSYS/EOPNOTSUPP: no exchange here.
#endif
  return ::renameat(dirfd, name_new, dirfd, name) == 0;
}

std::optional<Status> read_status(const std::string& service_dir) noexcept {
  std::string path = service_dir + "/" + kStatusFile;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  unsigned char buf[kStatusSize + 1];
  ssize_t n;
  do n = ::read(fd.get(), buf, sizeof buf); while (n < 0 && errno == EINTR);
  if (n < 0) return std::nullopt;
  auto s = unpack_status(buf, static_cast<size_t>(n));
  if (!s) errno = EPROTO;
  return s;
}

}  // namespace svkit
