#pragma once

#include "core/metrics.h"

namespace imgpipe {

// The process's own gauges, read at every scrape:
//   process_resident_memory_bytes          resident set size (/proc/self/statm)
//   imgpipe_vips_memory_bytes              memory libvips has allocated for pixels now
//   imgpipe_vips_memory_highwater_bytes    the most it has held at once since the start
//   imgpipe_vips_cache_operations          operations in the libvips operation cache
//   imgpipe_build_info{version, libvips}   always 1: which build answers
// libvips must be initialised before the first scrape (it is, before any server starts).
void register_process_metrics(Metrics& metrics);

// Resident set size of this process in bytes (0 if /proc cannot be read).
double resident_memory_bytes();

} // namespace imgpipe
