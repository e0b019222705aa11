#pragma once

#include <string>
#include <string_view>

namespace imgpipe {

// Original images are named by a random UUID v4; derivatives by "<uuid>/<canonical chain>".
std::string new_image_id();
bool is_image_id(std::string_view id);
// Whether `id` is the image `uuid` itself or one of its derivatives ("<uuid>/...").
bool is_of_image(std::string_view id, std::string_view uuid);

} // namespace imgpipe
