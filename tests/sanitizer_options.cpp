// SPDX-License-Identifier: MIT
// Compiled into every program of a SVKIT_SANITIZE build (never into a normal one): the
// sanitizers' defaults, so a report is fatal and lands in BUILD/sanitizer/report.PID even
// when the program was started with a cleared environment or its stderr goes nowhere
// (a daemon under svscan). ASAN_OPTIONS / UBSAN_OPTIONS in the environment still override.
// Leaks are checked when a program returns from main or calls exit(); a process that
// execs or _exits (supervise's child before exec, svscan's restart) is not checked.
#ifdef SVKIT_SANITIZER_LOG
extern "C" {
const char* __asan_default_options() {
  return "abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:"
         "check_initialization_order=1:log_path=" SVKIT_SANITIZER_LOG;
}
const char* __ubsan_default_options() {
  return "abort_on_error=1:halt_on_error=1:print_stacktrace=1:log_path=" SVKIT_SANITIZER_LOG;
}
const char* __lsan_default_options() { return "log_path=" SVKIT_SANITIZER_LOG; }
}
#endif
