#include "dbus/connection_dict.hpp"

namespace sluice {

namespace {

std::string last_component(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

VariantDict connection_dict(const Connection& connection) {
    VariantDict dict;
    if (connection.pid) {
        dict.emplace("pid", sdbus::Variant(*connection.pid));
    }
    if (!connection.exe.empty()) {
        dict.emplace("exe", sdbus::Variant(connection.exe));
    }
    dict.emplace("cmdline", sdbus::Variant(connection.cmdline));
    if (connection.uid) {
        dict.emplace("uid", sdbus::Variant(*connection.uid));
    }
    if (!connection.user_name.empty()) {
        dict.emplace("user", sdbus::Variant(connection.user_name));
    }
    if (!connection.unit.empty()) {
        dict.emplace("unit", sdbus::Variant(connection.unit));
    }
    if (!connection.package.empty()) {
        dict.emplace("package", sdbus::Variant(connection.package));
    }
    const bool outbound = connection.direction == Direction::kOut;
    dict.emplace("protocol", sdbus::Variant(std::string(to_string(connection.protocol))));
    dict.emplace("src", sdbus::Variant(outbound ? connection.local_address.to_string()
                                                : connection.remote_address.to_string()));
    dict.emplace("sport",
                 sdbus::Variant(outbound ? connection.local_port : connection.remote_port));
    dict.emplace("dst", sdbus::Variant(outbound ? connection.remote_address.to_string()
                                                : connection.local_address.to_string()));
    dict.emplace("dport",
                 sdbus::Variant(outbound ? connection.remote_port : connection.local_port));
    dict.emplace("host",
                 sdbus::Variant(connection.host_names.empty() ? std::string()
                                                              : connection.host_names.front()));
    dict.emplace("direction", sdbus::Variant(std::string(to_string(connection.direction))));
    return dict;
}

void add_decision(VariantDict& dict, std::string_view verdict, std::string_view rule_id,
                  std::string_view reason) {
    dict.insert_or_assign("verdict", sdbus::Variant(std::string(verdict)));
    dict.insert_or_assign("rule", sdbus::Variant(std::string(rule_id)));
    dict.insert_or_assign("reason", sdbus::Variant(std::string(reason)));
}

FwPromptRequest fw_prompt_request(const Connection& connection, const FwPromptOptions& options) {
    FwPromptRequest request;
    request.application = last_component(connection.exe);
    request.path = connection.exe;
    request.ip = connection.remote_address.to_string();
    request.address = connection.host_names.empty() ? request.ip : connection.host_names.front();
    request.port = connection.remote_port;
    request.origin = connection.local_address.to_string();
    request.proto = std::string(to_string(connection.protocol));
    request.uid = connection.uid ? static_cast<std::int32_t>(*connection.uid) : -1;
    request.gid = connection.gid ? static_cast<std::int32_t>(*connection.gid) : -1;
    request.user = connection.user_name;
    request.group = connection.group_name;
    request.pid = connection.pid ? static_cast<std::int32_t>(*connection.pid) : -1;
    request.expanded = options.expanded;
    request.expert = options.expert;
    request.action = options.default_scope;
    return request;
}

}  // namespace sluice
