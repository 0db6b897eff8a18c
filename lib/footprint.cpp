// SPDX-License-Identifier: MIT
// footprint: supervise runs hundreds of times, so the pages each process maps count. The
// kernel maps file pages around each fault ("fault-around", 64 KiB), so a static binary ends
// up with most of its read-only segments in every process's page tables. After
// start-up we drop those mappings and ask for no fault-around: only the pages the
// steady state really touches come back. Read-only file pages only: nothing is lost.
#include "svkit/platform.hpp"
#if SVKIT_LINUX
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "svkit/footprint.hpp"

namespace svkit {
namespace {

int trim_segment(struct dl_phdr_info* info, size_t, void*) {
  if (info->dlpi_name && info->dlpi_name[0]) return 0;  // the executable only
  uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W)) continue;
    uintptr_t start = (info->dlpi_addr + ph.p_vaddr) & ~(page - 1);
    uintptr_t end = (info->dlpi_addr + ph.p_vaddr + ph.p_memsz + page - 1) & ~(page - 1);
    void* p = reinterpret_cast<void*>(start);
    ::madvise(p, end - start, MADV_RANDOM);
    ::madvise(p, end - start, MADV_DONTNEED);
  }
  return 1;
}

}  // namespace

void trim_footprint() noexcept { ::dl_iterate_phdr(trim_segment, nullptr); }

}  // namespace svkit
#else
#include "svkit/footprint.hpp"
namespace svkit {
void trim_footprint() noexcept {}
}  // namespace svkit
#endif
