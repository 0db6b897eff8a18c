// SPDX-License-Identifier: MIT
// log_config: the per-directory `config` file of runit's svlogd (s n N t ! u U p + - e E),
// parsed exactly as runit 2.1.2 does, including its quirks. Pure.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace svkit {

struct LogConfig {
  unsigned long size_max = 1000000;  // s: rotate at this size; 0 = never by size
  unsigned long keep_max = 10;       // n: old files kept; 0 = all
  unsigned long keep_min = 10;       // N: kept even when the disk is full
  unsigned long rotate_secs = 0;     // t: rotate a non-empty current this often; 0 = never
  std::string processor;             // !: shell command run on each rotated file
  std::string prefix;                // p: written after the timestamp
  std::vector<std::string> rules;    // + - e E lines, first character included
  uint32_t udp_addr = 0;             // u/U: IPv4 address, network byte order
  uint16_t udp_port = 0;             // host byte order; 0 = no UDP copy
  bool udp_only = false;             // U: nothing written to current
};

struct ConfigWarning {
  std::string what;  // "unable to scan ip address"
  std::string arg;   // the text that could not be read
};

LogConfig parse_log_config(std::string_view text, std::vector<ConfigWarning>* warnings = nullptr);

// runit's scan_ulong: leading decimal digits (none = 0); returns how many were read.
size_t scan_ulong(std::string_view s, unsigned long& out) noexcept;

}  // namespace svkit
