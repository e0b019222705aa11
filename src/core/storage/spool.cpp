#include "core/storage/spool.h"

#include "core/errors.h"

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
}

void Spool::finish() {
    if (finished_) return;
    finished_ = true;
    file_.sync_and_close();
    md5_hex_ = md5_.hex();
}

} // namespace imgpipe
