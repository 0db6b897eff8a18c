// SPDX-License-Identifier: MIT
// sv's command word (any bytes, LSB mode or not): parse_sv_command never faults; what it
// accepts starts with the word's first letter's meaning and sends only control bytes
// supervise knows.
#include <cstring>

#include "fuzz.hpp"
#include "svkit/sv_command.hpp"

using namespace svkit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  bool lsb = in.byte() & 1;
  std::string_view word = in.rest();
  auto c = parse_sv_command(word, lsb);
  if (!c) return 0;
  FUZZ_CHECK(!word.empty());
  if (c->kind == SvCommand::Kind::control) {
    FUZZ_CHECK(!c->bytes.empty() && c->bytes.size() <= 4);
    for (char b : c->bytes) FUZZ_CHECK(b != 0 && std::strchr("udoxtkpchaiq12", b) != nullptr);
  }
  if (c->kill) FUZZ_CHECK(c->wait || c->kind == SvCommand::Kind::control);
  if (lsb) FUZZ_CHECK(c->kind != SvCommand::Kind::enable && c->kind != SvCommand::Kind::disable);
  return 0;
}
