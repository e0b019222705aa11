#include "core/storage/spool.h"

#include "core/errors.h"

namespace imgpipe {

void Spool::append(std::string_view data) {
    size_ += data.size();
    if (size_ > max_bytes_) {
        throw Error(ErrorCode::payload_too_large,
                    "the image is larger than the limit of " + std::to_string(max_bytes_) + " bytes");
    }
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
