// Text out of HTML and XML. One flat scanner serves both: no recursion and no entity
// expansion beyond character references and HTML's named entities, so deep nesting and entity
// bombs cost nothing; output stops at a byte limit. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace archived::extract {

// The text of an HTML document (UTF-8): script and style bodies and comments dropped,
// entities decoded, block elements (p, div, br, li, h1 …) separated by line breaks.
std::string HtmlToText(std::string_view html, std::size_t max_text_bytes);

// The character data of an XML document (UTF-8), CDATA included. Elements whose local name
// (after any "w:", "a:", "text:" prefix) is in `break_elements` end with a line break; those
// in `space_elements` (e.g. "tab", "s") stand for a space.
std::string XmlToText(std::string_view xml, std::initializer_list<std::string_view> break_elements,
                      std::initializer_list<std::string_view> space_elements, std::size_t max_text_bytes);

// Appends `text` with its character references (&#38; &#x26;) and entities decoded: XML's five,
// and with `html` also HTML's common named ones. Unknown or malformed references stay as written.
void AppendDecoded(std::string& out, std::string_view text, bool html);

}  // namespace archived::extract
