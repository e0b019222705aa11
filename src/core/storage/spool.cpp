#include "core/storage/spool.h"

#include "core/errors.h"

#include <chrono>
#include <system_error>

namespace imgpipe {

void Spool::admit(size_t n) {
    size_ += n;
    if (size_ > max_bytes_) {
        throw Error(ErrorCode::payload_too_large,
                    "the image is larger than the limit of " + std::to_string(max_bytes_) + " bytes");
    }
}

void Spool::absorb(std::string_view data) {
    md5_.update(data);
    file_.write(data);
    written_ += data.size();
    flush_behind();
}

void Spool::flush_behind() {
    if (flush_.valid()) {
        if (flush_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
        flush_.get(); // rethrows what the flush threw
    }
    if (written_ - flushed_ < kFlushEvery) return;
    flushed_ = written_;
    try {
        // sync_data reads nothing that write changes (TempFile): the writer may go on.
        flush_ = std::async(std::launch::async, [this] { file_.sync_data(); });
    } catch (const std::system_error&) {
        // No thread to be had: the fsync of finish() does what this flush would have done.
    }
}

void Spool::finish() {
    if (finished_) return;
    finished_ = true;
    if (flush_.valid()) flush_.get();
    file_.sync_and_close();
    md5_hex_ = md5_.hex();
}

} // namespace imgpipe
