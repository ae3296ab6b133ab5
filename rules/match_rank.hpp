#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "rules/action.hpp"
#include "rules/host_pattern.hpp"

namespace sluice {

// How strongly one matching rule claims one connection. Compared member by member in
// declaration order; the greater rank decides. This order IS the precedence of docs/rules.md:
//
//   1. priority                 higher wins
//   2. specificity, in order:
//      a. program               rule names process, package or sha256  >  it names none
//      b. host                  exact name  >  longer *.suffix  >  shorter *.suffix  >  no host
//      c. ip                    longer matching prefix  >  shorter  >  no ip
//      d. port                  rule names port or local_port  >  neither
//      e. account               rule names user  >  only group  >  neither
//   3. action                   deny or reject  >  allow  >  prompt
//
// Host and ip rank by the entry that matched (a rule's host list may mix exact names and
// suffixes). Equal ranks fall to load order, earlier first; RuleIndex applies that.
struct MatchRank {
    std::int32_t priority = 0;
    bool names_program = false;
    HostMatch host;  // default: the rule names no host
    // As written (IPv4 0..32, IPv6 0..128; every prefix matching one address is of its family,
    // so these compare correctly); -1: the rule names no ip.
    std::int16_t ip_prefix_length = -1;
    bool names_port = false;
    std::uint8_t account = 0;  // kAccount* below
    std::uint8_t action = 0;   // action_rank()

    static constexpr std::uint8_t kAccountNone = 0;
    static constexpr std::uint8_t kAccountGroup = 1;
    static constexpr std::uint8_t kAccountUser = 2;

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the synthesized compare
    friend auto operator<=>(const MatchRank&, const MatchRank&) = default;
};

// Step 3 of the precedence: deny and reject 2, allow 1, prompt 0.
std::uint8_t action_rank(Action action);

// "priority 0, program, exact host, ip /24, port, user, deny": for logs and `explain`.
std::string to_string(const MatchRank& rank);

}  // namespace sluice
