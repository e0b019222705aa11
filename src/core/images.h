#pragma once

#include "core/config.h"
#include "core/metrics.h"
#include "core/ops/op.h"
#include "core/pipeline/execute.h"
#include "core/pipeline/plan.h"
#include "core/storage/spool.h"
#include "core/storage/storage.h"

#include <chrono>
#include <optional>
#include <string>

namespace imgpipe {

// The image use cases, independent of how requests arrive (HTTP handlers and the CLI call these).
// Every method does blocking work (decoding, disk): call them from the worker pool.
//
// With a registry it observes imgpipe_pipeline_seconds{stage}: for every transform computed, its
// stages open, build, run and store (StageClock in core/pipeline/execute.h says what each holds),
// and for every upload checked, stage="check" (the header probe and the full decode that proves the
// file sound, with the mipmap made from it; storing is not included). Transforms stopped by
// processing_timeout_ms count in imgpipe_timeouts_total{kind="pipeline"}. Without one (the CLI,
// tests) it counts nothing.
// The series ImageService counts into, looked up in the registry once per process: a cluster
// worker makes an ImageService per job.
struct ImageMetrics {
    explicit ImageMetrics(Metrics& metrics);
    Histogram* stages[StageClock::count] = {};
    Histogram* check = nullptr;
    Counter& timeouts;
};

class ImageService {
public:
    ImageService(Storage& storage, const Config& config, const ImageMetrics* metrics = nullptr);

    // Checks an uploaded or downloaded file (format, pixel limit, full decode) and stores it as a
    // new original. Throws Error; the spool's temp file is removed on failure.
    ObjectInfo ingest(Spool& spool, const std::string& filename);
    // The check behind ingest, for an upload already complete in `file`: probes it, decodes it
    // fully and stores the mipmap of a large image. Returns the metadata the original `id` is to be
    // stored with (by the caller, after this returns). `etag` is the quoted MD5 of the file.
    ObjectInfo check_upload(const std::filesystem::path& file, const std::string& id, uint64_t size,
                            const std::string& etag, const std::string& filename);

    struct Transformed {
        ObjectInfo info;
        bool created = false; // false: the derivative already existed
        bool coalesced = false; // computed for another request this one waited for
    };
    // Returns the stored derivative `<original.id>/<canonical chain>` (source-aware: canonical_for
    // with the original's format), computing and storing it if needed. `original` is the original's metadata, as the caller has just read it. An empty
    // chain is the original itself.
    Transformed transform(const ObjectInfo& original, const Chain& chain);

private:
    // The derivative computed from the original's mipmap, when the plan allows it.
    std::optional<Encoded> from_mipmap(const std::string& id, const ObjectInfo& original,
                                       const Chain& chain, std::chrono::steady_clock::time_point deadline,
                                       StageClock& clock);
    Encoded compute(const ObjectInfo& original, const Chain& chain, StageClock& clock);

    Storage& storage_;
    const Config& config_;
    const ImageMetrics* metrics_;
};

// The storage id of a variant: "<original id>/<canonical chain>"; the original's id for no ops.
std::string variant_id(const std::string& original_id, const Chain& chain);

// The default output format of a stored original, from its Content-Type.
std::optional<Format> source_format(const std::string& mime);

// The chain a variant of `original` is stored under: canonical given the original's format (a
// convert to it, a quality for a lossless output disappear), so equivalent chains share one object.
Chain stored_chain(const Chain& chain, const ObjectInfo& original);

// "photo.jpeg" + png -> "photo.png"
std::string derived_filename(const std::string& original, Format format);

} // namespace imgpipe
