#pragma once
// JSON text -> boost::json::value with every number read exactly.
//
// Boost.JSON 1.81's parser (Debian 12's) converts decimal numbers with a fast path that is not
// correctly rounded: "66666666666666666666666666666666666666666661.0" becomes the double next to
// the right one, so text -> double -> shortest text -> double is not the identity and a metric
// value changes on its way through Rampart. (Boost 1.83 added parse_options::numbers for this.)
// ParseJson runs Boost's own basic_parser with a handler that builds the same value as
// boost::json::parse but converts every non-integer number with std::from_chars, which rounds
// correctly. Integers are Boost's (int64, else uint64: both exact). A number too large for a
// double is an error (boost::json::error::exponent_overflow) rather than infinity.
#include <string_view>

#include <boost/json/parse_options.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

namespace rampart {

boost::json::value ParseJson(std::string_view text, boost::system::error_code& ec,
                             const boost::json::parse_options& opts = {},
                             boost::json::storage_ptr sp = {});

}  // namespace rampart
