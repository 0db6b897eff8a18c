// SPDX-License-Identifier: MIT
// access: the optional control-group file (see supervise.8, CONTROL GROUP).
#pragma once

namespace supervise {

struct Context;
// When ./control-group names a group, supervise/ (and log/supervise/) become
// group-searchable and their control and ok FIFOs group-writable, so that group's members
// can control and read the service. Without the file: one failed open, nothing else.
void apply_control_group(const Context& c) noexcept;

}  // namespace supervise
