#pragma once

#include <string>
#include <vector>

namespace sluice {

// One problem found in a file the user wrote. Lines and columns are 1-based, as editors show
// them; 0 means "the whole file" (an unreadable file has no position).
struct Diagnostic {
    std::string file;
    int line = 0;
    int column = 0;
    std::string message;

    // "FILE:LINE:COL: error: MESSAGE", the format every sluice tool prints.
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace sluice
