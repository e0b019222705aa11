#pragma once

#include <limits>
#include <span>
#include <string_view>

namespace imgpipe {

// What an op tells a person or a program about itself: the catalogue (catalog.h, GET /ops) and
// the page's chain builder are made from these, so a new op shows up everywhere by declaring its
// `doc` (op_traits.h requires one). The catalogue test parses every form and example with the
// real parser, so a doc cannot drift from its op.

enum class ArgKind {
    integer, // a whole number in [min, max]
    number,  // a plain decimal in [min, max] (min itself excluded when min_exclusive)
    color,   // hex rgb, rgba, rrggbb or rrggbbaa
    choice,  // one of `choices`
    gravity, // a gravity (gravity.h); the catalogue lists them from the parser's own table
    format,  // an output format or auto; the catalogue lists them from the format table
};

struct ChoiceDoc {
    std::string_view value; // canonical spelling
    std::string_view summary;
    std::span<const std::string_view> aliases{};
};

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

struct ArgDoc {
    std::string_view name; // as written in the form's pattern: {name}
    ArgKind kind = ArgKind::integer;
    std::string_view summary;
    std::string_view example; // a valid value
    bool optional = false;
    std::string_view default_value{}; // what an omitted optional argument means
    double min = -kUnbounded;
    double max = kUnbounded;
    bool min_exclusive = false;
    std::span<const ChoiceDoc> choices{}; // kind choice
};

// One way to write the op's arguments. `pattern` is what follows "name:": literal text, {arg}
// for an argument and [...] around an optional part: "{width}x{height}[:{mode}[:{gravity}]]".
// An empty pattern: the op takes no argument; one that starts with '[': the ':' goes too when the
// part is left out ("sharpen" or "sharpen:2").
struct FormDoc {
    std::string_view pattern;
    std::string_view summary;
    std::span<const ArgDoc> args{};
};

// A chain from the README and its canonical form, as parse_chain gives it (no source format).
struct ExampleDoc {
    std::string_view chain;
    std::string_view canonical;
    std::string_view summary;
};

struct OpDoc {
    std::string_view summary;
    std::span<const FormDoc> forms;
    std::span<const ExampleDoc> examples;
};

} // namespace imgpipe
