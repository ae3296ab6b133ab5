#include "rules/list_cache.hpp"

#include <string_view>

#include "rules/list_file_text.hpp"
#include "rules/text_file.hpp"

namespace sluice {

std::optional<std::string> read_list_file(const std::string& path, std::string& error) {
    return read_text_file_bounded(path, kMaxListFileBytes, error);
}

ListCache::ListCache(ListFileReader reader) : reader_(std::move(reader)) {}

void ListCache::begin_load() {
    ++load_;
}

void ListCache::end_load() {
    std::erase_if(host_lists_, [this](const auto& slot) { return slot.second.load != load_; });
    std::erase_if(ip_lists_, [this](const auto& slot) { return slot.second.load != load_; });
}

template <typename List, typename Parse>
const ListCache::Entry<List>& ListCache::get(std::map<std::string, Slot<List>>& slots,
                                             const std::string& path, Parse parse) {
    auto& slot = slots[path];
    if (slot.load == load_) {
        return slot.entry;
    }
    slot.load = load_;
    std::string error;
    const auto text = reader_(path, error);
    if (!text) {
        slot.entry = Entry<List>{};
        slot.entry.read_error = error.empty() ? "unknown error" : error;
        return slot.entry;
    }
    const auto hash = std::hash<std::string_view>{}(*text);
    if (slot.entry.list && slot.entry.content_size == text->size() &&
        slot.entry.content_hash == hash) {
        return slot.entry;  // same bytes as at the last load: same list, same diagnostics
    }
    Entry<List> entry;
    entry.list = std::make_shared<const List>(parse(*text, path, entry.diagnostics));
    entry.content_size = text->size();
    entry.content_hash = hash;
    slot.entry = std::move(entry);
    return slot.entry;
}

const ListCache::Entry<DomainList>& ListCache::host_list(const std::string& path) {
    return get(host_lists_, path, parse_domain_list);
}

const ListCache::Entry<IpList>& ListCache::ip_list(const std::string& path) {
    return get(ip_lists_, path, parse_ip_list);
}

}  // namespace sluice
