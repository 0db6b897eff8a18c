// SPDX-License-Identifier: MIT
// envdir: daemontools' rules for turning a directory of small files into environment edits.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "svkit/env_edit.hpp"

namespace svkit {

// The value a file's CONTENT stands for: nullopt (remove the variable) for zero bytes;
// otherwise its first line, trailing spaces and tabs removed, NUL bytes turned into '\n'.
std::optional<std::string> envdir_value(std::string_view content);

// Which step of reading the directory failed (each has its own daemontools message).
enum class EnvDirStep { ok, save_cwd, enter_dir, read_dir, read_entry, restore_cwd };

struct EnvDirResult {
  EnvDirStep step = EnvDirStep::ok;
  int err = 0;        // errno of the failed step
  std::string entry;  // the entry being read, for read_entry
};

// Adds one edit per entry of DIR not starting with '.', in readdir order. Like daemontools
// it enters DIR with chdir and returns to the original directory before it returns. An
// entry that does not exist when opened (a dangling symlink) removes the variable.
EnvDirResult read_env_dir(const char* dir, EnvEdit& edits);

}  // namespace svkit
