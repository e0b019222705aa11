#pragma once

#include "core/config.h"
#include "core/ops/op.h"

#include <map>
#include <string>
#include <vector>

namespace imgpipe {

// The configured presets: names that stand for op chains in a request's chain.
// A preset name may stand alone (GET /image/<id>/thumb/) or as one op among others
// (thumb|rotate:90): it is replaced by its chain's text before parsing, so the result is stored
// and signed exactly as the spelled-out chain. Names are [a-z0-9_-]+ and no op's name; a
// preset's chain cannot name another preset (it is parsed as plain ops).
class Presets {
public:
    Presets() = default;
    // Parses and checks every preset, the eager list and presets-only. Throws
    // std::invalid_argument saying which preset is wrong and why.
    Presets(const PresetsConfig& config, int max_ops);

    bool empty() const { return chains_.empty(); }
    bool only() const { return only_; }
    // The request's path segments with every preset name among their '|'-separated ops replaced
    // by the preset's canonical chain.
    std::vector<std::string> expand(const std::vector<std::string>& segments) const;
    // Whether every op of the segments is a preset name (true for none: the original itself).
    bool all_presets(const std::vector<std::string>& segments) const;
    // The eager presets' chains, in the order configured.
    const std::vector<Chain>& eager() const { return eager_; }
    // Every preset: name -> its canonical chain (GET /ops lists them).
    const std::map<std::string, std::string, std::less<>>& chains() const { return chains_; }
    // "card, thumb": for messages.
    std::string names() const;

private:
    const std::string* find(std::string_view op_text) const;

    std::map<std::string, std::string, std::less<>> chains_; // name -> canonical chain
    std::vector<Chain> eager_;
    bool only_ = false;
};

} // namespace imgpipe
