#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/diagnostic.hpp"
#include "rules/host_pattern.hpp"
#include "rules/packed_string_set.hpp"

namespace sluice {

// The domains of a `host_list` file. Entries are exact names, or "*.suffix" for every name
// strictly below suffix, with the same meaning as in `host`. Immutable once built; share it
// between rules and threads through a shared_ptr<const DomainList>.
class DomainList {
  public:
    // The most specific entry matching `host_name` (normalized, as Connection promises).
    // Costs one binary search per label of the name.
    [[nodiscard]] std::optional<HostMatch> match(std::string_view host_name) const;
    [[nodiscard]] std::size_t size() const { return exact_.size() + suffixes_.size(); }

  private:
    friend DomainList parse_domain_list(std::string_view, const std::string&, Diagnostics&);
    PackedStringSet exact_;
    PackedStringSet suffixes_;  // stored without the "*."
};

// Parses list text. Each line is either one domain (or "*.suffix"), or hosts-file format
// "ADDRESS NAME..." whose names are taken as exact domains; the usual hosts-file boilerplate
// names (localhost, broadcasthost, ip6-*, addresses written as names) are skipped. '#' starts
// a comment. Bad lines are reported as FILE:LINE:COL and left out; the caller decides whether
// a list with errors is usable. Never throws on any input.
DomainList parse_domain_list(std::string_view text, const std::string& file_name,
                             Diagnostics& diagnostics);

// Reads and parses a list file of at most kMaxListFileBytes; nullopt (with a diagnostic at
// position 0:0) when it cannot be read.
std::optional<DomainList> load_domain_list(const std::string& path, Diagnostics& diagnostics);

}  // namespace sluice
