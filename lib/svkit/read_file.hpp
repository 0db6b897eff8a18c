// SPDX-License-Identifier: MIT
// read_file: the whole content of a small file (a config, an envdir value) into a string.
#pragma once
#include <string>

namespace svkit {

// Appends everything FD yields until end-of-file to OUT. False with errno on a read error.
bool read_all(int fd, std::string& out);
// OUT = the content of NAME relative to DIRFD (AT_FDCWD: the cwd). False with errno.
bool read_file_at(int dirfd, const char* name, std::string& out);

}  // namespace svkit
