#pragma once

#include <sdbus-c++/Types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/base/result.hpp"

namespace sluice {

// One polkit CheckAuthorization call, as polkit's D-Bus API wants it: the subject is the
// caller's unique bus name ("system-bus-name", {"name": sender}), so polkit itself finds the
// process, user and session behind it and cannot be fooled by a pid that was reused.
struct PolkitCheck {
    std::string subject_kind;
    std::string bus_name;
    std::string action_id;
    std::map<std::string, std::string> details;
    std::uint32_t flags = 0;  // 1 = AllowUserInteraction (an agent may ask for a password)
    std::string cancellation_id;
};

PolkitCheck polkit_check_for(std::string_view sender);

// CheckAuthorization(in (sa{sv}) subject, in s action_id, in a{ss} details, in u flags,
// in s cancellation_id, out (bba{ss}) result), as sdbus values.
using PolkitSubject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
using PolkitResult = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;
PolkitSubject polkit_subject(const PolkitCheck& check);

// The bus round trips authorization needs. Implementations call the bus asynchronously and
// invoke the callback later on the bus thread; they never block. Callers must also cope with
// a callback that runs before the call returns (test fakes answer at once).
class BusQueries {
  public:
    using UidCallback = std::function<void(Result<std::uint32_t>)>;
    using PolkitCallback = std::function<void(Result<bool>)>;

    BusQueries() = default;
    virtual ~BusQueries() = default;
    BusQueries(const BusQueries&) = delete;
    BusQueries& operator=(const BusQueries&) = delete;

    // org.freedesktop.DBus.GetConnectionUnixUser(sender).
    virtual void unix_user(const std::string& sender, UidCallback done) = 0;
    // org.freedesktop.PolicyKit1.Authority.CheckAuthorization; true when is_authorized.
    virtual void check_polkit(const PolkitCheck& check, PolkitCallback done) = 0;
};

enum class AuthorizationMode : std::uint8_t { kPolkit, kUid };

// Whether `uid` belongs to the group named `group` (primary or supplementary); may consult
// NSS. Substituted in tests.
using GroupMembership = std::function<bool(std::uint32_t uid, const std::string& group)>;
bool system_group_membership(std::uint32_t uid, const std::string& group);

// Decides whether a caller may change the firewall (spec/dbus.md "Authorization"): polkit
// action org.sluice.firewall.modify, or root and members of dbus.admin_group with uid mode.
// Also tells callers' uids (for prompt agents), cached per unique bus name: unique names are
// never reused during a bus's life, so the cache is exact until the name leaves (forget()).
// Bounded: at most kMaxCachedCallers names and kMaxInFlight outstanding lookups. Bus thread.
class Authorizer {
  public:
    // nullopt: allowed; otherwise the reason it was denied, for the AccessDenied message.
    using Verdict = std::function<void(std::optional<std::string> denial)>;

    static constexpr std::size_t kMaxCachedCallers = 4096;
    static constexpr std::size_t kMaxInFlight = 256;

    Authorizer(AuthorizationMode mode, std::string admin_group, BusQueries& queries,
               GroupMembership is_member);

    void authorize_modify(const std::string& sender, Verdict done);
    void caller_uid(const std::string& sender, BusQueries::UidCallback done);
    void forget(const std::string& sender);

    [[nodiscard]] AuthorizationMode mode() const { return mode_; }

  private:
    void authorize_uid(std::uint32_t uid, const Verdict& done) const;

    AuthorizationMode mode_;
    std::string admin_group_;
    BusQueries& queries_;
    GroupMembership is_member_;
    std::unordered_map<std::string, std::uint32_t> uids_;
    // Callers waiting for the same sender's uid share one lookup.
    std::unordered_map<std::string, std::vector<BusQueries::UidCallback>> waiting_;
    std::size_t polkit_in_flight_ = 0;
};

}  // namespace sluice
