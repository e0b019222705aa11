#include "cli/commands.h"
#include "core/access.h"
#include "core/errors.h"
#include "core/ids.h"
#include "core/images.h"
#include "core/ops/parse.h"
#include "http/api.h"
#include "http/router.h"

#include <iostream>
#include <stdexcept>

namespace imgpipe::cli {

int sign(const SignArgs& args) {
    if (args.key.empty()) {
        std::cerr << "imgpipe sign: the transform key is missing: give the server's key with "
                     "--transform-key or IMGPIPE_TRANSFORM_KEY\n";
        return 2;
    }
    try {
        check_key_length("transform-key", args.key);
    } catch (const std::invalid_argument& e) {
        std::cerr << "imgpipe: " << e.what() << "\n"; // word for word as serve refuses the key
        return 2;
    }
    try {
        // Read the target as the server reads a request path: same segments, same decoding.
        std::string allow;
        const http::Route route = http::route("GET", "/image/" + args.target, allow);
        if (!is_image_id(route.id) || route.chain.empty()) {
            std::cerr << "imgpipe sign: expected <id>/<op chain>, e.g. <uuid>/rotate:10|convert:png\n";
            return 2;
        }
        // The server signs the canonical chain, so any spelling the user gives signs the same.
        const Chain chain = parse_chain({route.chain.begin(), route.chain.end()}, 1 << 20);
        const std::string sig = TransformSigner(args.key).sign(route.id, chain.canonical());
        const std::string path = http::encode_id_for_url(variant_id(route.id, chain));
        std::cout << args.base << "/image/" << path << "/?sig=" << sig << "\n"
                  << args.base << "/bytes/" << path << "?sig=" << sig << "\n";
        return 0;
    } catch (const Error& e) {
        std::cerr << "imgpipe sign: " << e.what() << "\n";
        return 2;
    }
}

} // namespace imgpipe::cli
