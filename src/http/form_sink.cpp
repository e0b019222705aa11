#include "http/form_sink.h"

#include "core/errors.h"
#include "core/filename.h"

namespace imgpipe::http {

void FormSink::begin(const PartHeaders& h) {
    if (h.name.empty()) throw Error(ErrorCode::bad_request, "a form part has no field name");
    if (open_file_ && h.name == "file") {
        if (file_) throw Error(ErrorCode::bad_request, "the field 'file' is given more than once");
        file_ = open_file_();
        filename_ = sanitize_filename(h.filename);
        current_field_ = nullptr;
        return;
    }
    auto [it, inserted] = fields_.emplace(h.name, std::string());
    if (!inserted) {
        throw Error(ErrorCode::bad_request, "the field '" + sanitize_filename(h.name) +
                                                "' is given more than once");
    }
    current_field_ = &it->second;
}

void FormSink::data(std::string_view bytes) {
    if (!current_field_) {
        file_->append(bytes);
        return;
    }
    field_bytes_ += bytes.size();
    if (field_bytes_ > kMaxFieldBytes) {
        throw Error(ErrorCode::bad_request, "form fields are too long");
    }
    current_field_->append(bytes);
}

} // namespace imgpipe::http
