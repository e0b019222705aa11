#include "core/images.h"

#include "core/errors.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/ops/canonical.h"
#include "core/pipeline/execute.h"
#include "core/pipeline/load.h"
#include "core/pipeline/mipmap.h"

#include <fstream>

namespace imgpipe {

ImageMetrics::ImageMetrics(Metrics& metrics) : timeouts(timeouts_total(metrics, "pipeline")) {
    const char* name = "imgpipe_pipeline_seconds";
    const char* help = "Seconds per pipeline stage: open, build, run (decode + ops + encode in one lazy pass), "
                       "store for a transform; check for an upload's full decode.";
    static constexpr const char* kStages[] = {"open", "build", "run", "store"};
    for (int s = 0; s < StageClock::count; ++s) {
        stages[s] = &metrics.histogram(name, help, kLatencyBuckets, {{"stage", kStages[s]}});
    }
    check = &metrics.histogram(name, help, kLatencyBuckets, {{"stage", "check"}});
}

ImageService::ImageService(Storage& storage, const Config& config, const ImageMetrics* metrics)
    : storage_(storage), config_(config), metrics_(metrics) {}

ObjectInfo ImageService::ingest(Spool& spool, const std::string& filename) {
    spool.finish();
    if (spool.size() == 0) throw Error(ErrorCode::unsupported_media, "the file is empty");
    const ObjectInfo info = check_upload(spool.file().path(), new_image_id(), spool.size(),
                                         quoted_etag(spool.md5_hex()), filename);
    storage_.put_file(info, spool.file().release());
    return info;
}

ObjectInfo ImageService::check_upload(const std::filesystem::path& file, const std::string& id,
                                      uint64_t size, const std::string& etag,
                                      const std::string& filename) {
    const std::string path = file.string();
    const auto started = std::chrono::steady_clock::now();
    const SourceInfo source = probe_image(path, config_.limits);
    const auto checked = [&] {
        if (metrics_) metrics_->check->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    };

    ObjectInfo info;
    info.id = id;
    // An animation gets no mipmap (it would hold one frame): its transforms decode every frame.
    if (source.frames == 1 && wants_mipmap(source.width, source.height)) {
        // The decode that proves the upload sound also makes the mipmap; it is stored first, so
        // that no original is ever visible without it.
        const Mipmap m = make_mipmap(path);
        checked();
        storage_.put_bytes(ObjectInfo{mipmap_id(info.id), mipmap_content_type(m.bands), m.pixels.size(),
                                      quoted_etag(md5_hex(m.pixels)), "mipmap", m.width, m.height},
                           m.pixels);
    } else {
        verify_decodable(path, source.frames);
        checked();
    }
    info.content_type = source.mime;
    info.content_length = size;
    info.etag = etag;
    info.filename = filename;
    info.width = source.width;
    info.height = source.height;
    return info;
}

ImageService::Transformed ImageService::transform(const ObjectInfo& original, const Chain& requested) {
    const std::string& id = original.id;
    if (requested.empty()) return {original, false};
    // Keyed by the stored chain (the HTTP layer passes it already; it is a fixed point), so every
    // caller stores equivalent chains as one object.
    const Chain chain = stored_chain(requested, original);

    const std::string derived_id = variant_id(id, chain);
    if (auto existing = storage_.head(derived_id)) return {*existing, false};

    StageClock clock;
    const Encoded out = compute(original, chain, clock);
    clock.enter(StageClock::store);
    ObjectInfo info;
    info.id = derived_id;
    info.content_type = std::string(format_mime(out.format));
    info.content_length = out.bytes.size();
    info.etag = quoted_etag(md5_hex(out.bytes));
    info.filename = derived_filename(original.filename, out.format);
    info.width = out.width;
    info.height = out.height;
    storage_.put_bytes(info, out.bytes);
    // The image may have been deleted while this ran: remove_image removes the original first and
    // then lists the variants, so a variant stored after that listing finds the original gone here
    // and must not stay (it would be served again, and never deleted).
    if (!storage_.exists(id)) {
        storage_.remove(derived_id);
        throw Error(ErrorCode::not_found, "no image with this id");
    }
    // Observed for the transforms that complete: a failed one has no meaningful split.
    clock.enter(StageClock::count);
    if (metrics_) {
        for (int s = 0; s < StageClock::count; ++s) {
            metrics_->stages[s]->observe(clock.seconds(static_cast<StageClock::Stage>(s)));
        }
    }
    return {info, true};
}

Encoded ImageService::compute(const ObjectInfo& original, const Chain& chain, StageClock& clock) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(config_.limits.processing_timeout_ms);
    try {
        if (auto out = from_mipmap(original.id, original, chain, deadline, clock)) return std::move(*out);
        clock.enter(StageClock::open);
        const LocalFile source_file = storage_.local_file(original.id);
        const std::string path = source_file.path.string();
        const SourceInfo source = probe_image(path, config_.limits);
        clock.enter(StageClock::build);
        const Plan plan = make_plan(chain, source, config_.limits);
        return execute(path, plan, config_.output, deadline, &clock);
    } catch (const Error& e) {
        if (e.code() == ErrorCode::timeout && metrics_) metrics_->timeouts.inc();
        throw;
    }
}

std::optional<Encoded> ImageService::from_mipmap(const std::string& id, const ObjectInfo& original,
                                                 const Chain& chain,
                                                 std::chrono::steady_clock::time_point deadline,
                                                 StageClock& clock) {
    // The plan is made from the original's metadata (upright size, format); the mipmap serves it
    // when the plan shrinks on load to a size the mipmap covers. Animated originals have none
    // (check_upload), so their transforms always take the full path below, which knows the frames.
    const auto format = source_format(original.content_type);
    if (!format || original.width <= 0 || original.height <= 0) return std::nullopt;
    const SourceInfo source{original.content_type, *format, original.width, original.height, 1};
    clock.enter(StageClock::build);
    const Plan plan = make_plan(chain, source, config_.limits);
    if (!plan.shrink_on_load) return std::nullopt;
    clock.enter(StageClock::open);
    const auto mip = storage_.head(mipmap_id(id));
    if (!mip || mip->width < plan.shrink_on_load->width || mip->height < plan.shrink_on_load->height) {
        return std::nullopt;
    }
    const int bands = mipmap_bands(mip->content_type);
    if (bands <= 0) return std::nullopt;
    // Local disk keeps a mipmap in memory once read twice (LocalStorage's HotBlobs): used where
    // it is, with no fresh 2 MB buffer to fault in, fill and copy into per transform.
    std::unique_ptr<BlobReader> held; // keeps those bytes alive while they are read
    std::string_view view;
    if (!storage_.blocking() && (held = storage_.open(mip->id))) view = held->contiguous();
    std::string pixels;
    if (view.size() != mip->content_length) {
        const LocalFile file = storage_.local_file(mip->id);
        pixels.resize(mip->content_length);
        std::ifstream in(file.path, std::ios::binary);
        in.read(pixels.data(), static_cast<std::streamsize>(pixels.size()));
        if (!in || in.gcount() != static_cast<std::streamsize>(pixels.size())) return std::nullopt;
        view = pixels;
    }
    return execute_from(mipmap_image(view, mip->width, mip->height, bands), plan, config_.output,
                        deadline, &clock);
}

std::string variant_id(const std::string& original_id, const Chain& chain) {
    return chain.empty() ? original_id : original_id + "/" + chain.canonical();
}

std::optional<Format> source_format(const std::string& mime) {
    if (mime == "image/heic") return Format::jpeg; // decoded, never encoded: JPEG by default
    return format_from_mime(mime);
}

Chain stored_chain(const Chain& chain, const ObjectInfo& original) {
    const auto source = source_format(original.content_type);
    return source ? canonical_for(chain, *source) : chain;
}

std::string derived_filename(const std::string& original, Format format) {
    const auto dot = original.rfind('.');
    const std::string stem = dot == std::string::npos || dot == 0 ? original : original.substr(0, dot);
    return (stem.empty() ? "image" : stem) + std::string(format_extension(format));
}

} // namespace imgpipe
