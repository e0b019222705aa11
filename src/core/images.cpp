#include "core/images.h"

#include "core/errors.h"
#include "core/hash.h"
#include "core/ids.h"
#include "core/pipeline/execute.h"
#include "core/pipeline/load.h"

namespace imgpipe {

ObjectInfo ImageService::ingest(Spool& spool, const std::string& filename) {
    spool.finish();
    if (spool.size() == 0) throw Error(ErrorCode::unsupported_media, "the file is empty");
    const std::string path = spool.file().path().string();
    const SourceInfo source = probe_image(path, config_.limits);
    verify_decodable(path);

    ObjectInfo info;
    info.id = new_image_id();
    info.content_type = source.mime;
    info.content_length = spool.size();
    info.etag = "\"" + spool.md5_hex() + "\"";
    info.filename = filename;
    info.width = source.width;
    info.height = source.height;
    storage_.put_file(info, spool.file().release());
    return info;
}

ImageService::Transformed ImageService::transform(const std::string& id, const Chain& chain) {
    const auto original = storage_.head(id);
    if (!original) throw Error(ErrorCode::not_found, "no image with id '" + id + "'");
    if (chain.empty()) return {*original, false};

    const std::string derived_id = id + "/" + chain.canonical();
    if (auto existing = storage_.head(derived_id)) return {*existing, false};

    const LocalFile source_file = storage_.local_file(id);
    const std::string path = source_file.path.string();
    const SourceInfo source = probe_image(path, config_.limits);
    const Plan plan = make_plan(chain, source, config_.limits);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(config_.limits.processing_timeout_ms);
    const Encoded out = execute(path, plan, config_.output, deadline);

    ObjectInfo info;
    info.id = derived_id;
    info.content_type = std::string(format_mime(out.format));
    info.content_length = out.bytes.size();
    info.etag = "\"" + md5_hex(out.bytes) + "\"";
    info.filename = derived_filename(original->filename, out.format);
    info.width = out.width;
    info.height = out.height;
    storage_.put_bytes(info, out.bytes);
    return {info, true};
}

std::string derived_filename(const std::string& original, Format format) {
    const auto dot = original.rfind('.');
    const std::string stem = dot == std::string::npos || dot == 0 ? original : original.substr(0, dot);
    return (stem.empty() ? "image" : stem) + std::string(format_extension(format));
}

} // namespace imgpipe
