/// Parses perf's event strings (what `perf stat -e` takes) into ``EventListSyntax``.
///
/// Grammar, as perf has it:
///
/// ```
/// list     := item (',' item)*
/// item     := event | NAME? '{' event (',' event)* '}' (':' modifiers)?
/// event    := name (':' modifiers)?                      cycles:u, L1-dcache-load-misses, tsc
///           | 'r' HEX (':' modifiers)?                   r00c0
///           | NUMBER ':' NUMBER (':' modifiers)?        1:1 (type:config)
///           | pmu '/' term (',' term)* '/' (':'? modifiers)?   cpu_core/event=0xc0,umask=1/
///           | subsystem ':' event (':' modifiers)?       syscalls:sys_enter_getppid
///           | 'mem:' ADDR ('/' LEN)? (':' [rwx]+)? (':' modifiers)?
///           | pmu '::' EVENT (':' UMASK | ':' mod=value)*      libpfm4, passed through whole
/// ```
///
/// `name:letters` is an event with modifiers when the name is a generic event
/// or every letter is a modifier; otherwise it is a tracepoint. Errors carry
/// the byte offset of the offending part.
package enum EventParser {
    /// Parses `input` into groups of events. Spaces and tabs around `,`, `{`, `}`, `/`, `=` and
    /// `:` (not before a breakpoint's `:`) and at either end are dropped first, as perf's lexer skips them
    /// (`cycles, instructions`, `cpu/event=0x3c, umask=0/`); before modifier letters that end
    /// an event without any (`cs u`) they are its ':'; anywhere else (`cs faults`) they stay,
    /// and are refused.
    /// The syntax (its `input`, texts and offsets) is of that text; an error names the input as
    /// given, at the offset there.
    package static func parse(_ input: String) throws(EventSyntaxError) -> EventListSyntax {
        let (text, origin) = withoutSeparatorSpaces(mapping: input)
        var parser = Parser(input: text)
        do {
            return EventListSyntax(input: text, groups: try parser.parseList())
        } catch {
            guard let origin else { throw error }
            throw EventSyntaxError(
                input: input, offset: origin[min(max(error.offset, 0), origin.count - 1)], part: error.part,
                problem: error.problem)
        }
    }

    /// `input` without the spaces and tabs perf's lexer skips (see ``parse(_:)``).
    static func withoutSeparatorSpaces(_ input: String) -> String { withoutSeparatorSpaces(mapping: input).text }

    /// The text without skipped spaces and, where any were dropped, each of its byte offsets'
    /// offset in `input` (one more entry: the end).
    static func withoutSeparatorSpaces(mapping input: String) -> (text: String, origin: [Int]?) {
        let bytes = Array(input.utf8)
        guard bytes.contains(where: isSpace) else { return (input, nil) }
        let attaches: [UInt8] = Array(",{}/=".utf8)
        var kept: [UInt8] = []
        var origin: [Int] = []
        kept.reserveCapacity(bytes.count)
        origin.reserveCapacity(bytes.count + 1)
        var index = 0
        while index < bytes.count {
            guard isSpace(bytes[index]) else {
                kept.append(bytes[index])
                origin.append(index)
                index += 1
                continue
            }
            var end = index
            while end < bytes.count && isSpace(bytes[end]) { end += 1 }
            let before = kept.last
            let after = end < bytes.count ? bytes[end] : nil
            // Before a ':' too, but in a breakpoint (perf's lexer reads `mem:…` in a state of
            // its own, which refuses `mem :0x1000` and `mem:0x1000 :w`).
            let eventStart = (kept.lastIndex { $0 == comma || $0 == openBrace }).map { $0 + 1 } ?? 0
            let inBreakpoint = kept[eventStart...].starts(with: "mem".utf8)
            let skipped = before == nil || after == nil
                || before.map { attaches.contains($0) || $0 == colon } == true
                || after.map { attaches.contains($0) || ($0 == colon && !inBreakpoint) } == true
            if !skipped {
                // `cs u`: modifier letters after a space, up to the event's end, are its modifiers
                // (perf's lexer reads them so), where the event has none yet.
                var letters = end
                while letters < bytes.count && EventModifiers.letters.contains(bytes[letters]) { letters += 1 }
                let atEventEnd = letters == bytes.count || bytes[letters] == comma || bytes[letters] == closeBrace
                    || isSpace(bytes[letters])
                // (A ':' already there may be a tracepoint's or TYPE:CONFIG's: the event has
                // modifiers only when what follows its last ':' is all modifier letters.)
                let lastColon = kept[eventStart...].lastIndex(of: colon)
                let hasModifiers = lastColon.map { colonIndex in
                    colonIndex + 1 < kept.count && kept[(colonIndex + 1)...].allSatisfy { EventModifiers.letters.contains($0) }
                } ?? false
                if letters > end && atEventEnd && !hasModifiers && !inBreakpoint {
                    kept.append(colon)
                    origin.append(index)
                } else {
                    kept.append(contentsOf: bytes[index..<end])
                    origin.append(contentsOf: index..<end)
                }
            }
            index = end
        }
        origin.append(bytes.count)
        return (String(decoding: kept, as: UTF8.self), origin)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
}

private let comma = UInt8(ascii: ",")
private let colon = UInt8(ascii: ":")
private let slash = UInt8(ascii: "/")
private let openBrace = UInt8(ascii: "{")
private let closeBrace = UInt8(ascii: "}")

private struct Parser {
    let input: String
    let bytes: [UInt8]
    var position = 0

    init(input: String) {
        self.input = input
        self.bytes = Array(input.utf8)
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    func error(_ offset: Int, _ part: String, _ problem: String) -> EventSyntaxError {
        EventSyntaxError(input: input, offset: offset, part: part, problem: problem)
    }

    var atEnd: Bool { position >= bytes.count }

    mutating func parseList() throws(EventSyntaxError) -> [EventGroupSyntax] {
        if bytes.isEmpty {
            throw error(0, "", "empty event list; name at least one event, e.g. 'cycles' or 'msr/tsc/'")
        }
        var groups: [EventGroupSyntax] = []
        while true {
            try expectEventStart(inGroup: false, afterComma: !groups.isEmpty)
            if bytes[position] == openBrace {
                groups.append(try parseGroup())
            } else if let brace = namedGroupBrace() {
                // `name{a,b}`: a named group.
                let name = text(position..<brace)
                let start = position
                position = brace
                var group = try parseGroup()
                group.name = name
                group.text = text(start..<position)
                group.offset = start
                groups.append(group)
            } else {
                let event = try parseEvent()
                groups.append(EventGroupSyntax(
                    text: event.text, offset: event.offset, isGroup: false, members: [event],
                    modifiers: EventModifiers()))
            }
            if atEnd { return groups }
            let byte = bytes[position]
            if byte == comma {
                position += 1
                continue
            }
            if byte == closeBrace {
                throw error(position, "}", "unbalanced '}': no '{' opens it")
            }
            throw error(position, text(position..<position + 1), "unexpected character after an event; separate events with ','")
        }
    }

    /// Where the `{` of a named group (`name{…}`) is, when one starts at `position`.
    /// The name is perf 6.1's lexer's `name`: `[a-zA-Z_*?\[\]][a-zA-Z0-9_*?.\[\]!]*`.
    func namedGroupBrace() -> Int? {
        var index = position
        let first = Array("_*?[]".utf8)
        let rest = Array("_*?.[]!".utf8)
        guard index < bytes.count, isLetter(bytes[index]) || first.contains(bytes[index]) else { return nil }
        while index < bytes.count, isLetter(bytes[index]) || isDigit(bytes[index]) || rest.contains(bytes[index]) {
            index += 1
        }
        return index < bytes.count && bytes[index] == openBrace ? index : nil
    }

    /// Checks that an event (or group) starts at `position`.
    func expectEventStart(inGroup: Bool, afterComma: Bool) throws(EventSyntaxError) {
        if atEnd {
            if afterComma { throw error(position - 1, ",", "trailing comma: an event must follow ','") }
            throw error(position, "", inGroup ? "unbalanced '{': missing '}'" : "empty event")
        }
        switch bytes[position] {
        case comma:
            throw error(position, ",", afterComma ? "empty event between two commas" : "empty event before ','")
        case closeBrace where inGroup && afterComma:
            throw error(position - 1, ",", "trailing comma before '}': an event must follow ','")
        case closeBrace where inGroup:
            throw error(position, "}", "empty group '{}': a group needs at least one event")
        case closeBrace:
            throw error(position, "}", "unbalanced '}': no '{' opens it")
        case openBrace where inGroup:
            throw error(position, "{", "nested group: groups cannot contain groups")
        case colon:
            throw error(position, ":", "missing event name before ':'")
        default:
            return
        }
    }

    mutating func parseGroup() throws(EventSyntaxError) -> EventGroupSyntax {
        let start = position
        position += 1  // '{'
        var members: [EventSyntax] = []
        while true {
            if atEnd { throw error(start, "{", "unbalanced '{': missing '}'") }
            try expectEventStart(inGroup: true, afterComma: !members.isEmpty)
            members.append(try parseEvent())
            if atEnd { throw error(start, "{", "unbalanced '{': missing '}'") }
            if bytes[position] == comma {
                position += 1
                continue
            }
            if bytes[position] == closeBrace {
                position += 1
                break
            }
            throw error(position, text(position..<position + 1), "unexpected character in a group")
        }
        var modifiers = EventModifiers()
        if !atEnd && bytes[position] == colon {
            let modifierStart = position + 1
            var end = modifierStart
            while end < bytes.count && bytes[end] != comma { end += 1 }
            modifiers = try EventModifiers.parse(bytes[modifierStart..<end], offset: modifierStart, input: input)
            position = end
        }
        return EventGroupSyntax(
            text: text(start..<position), offset: start, isGroup: true, members: members, modifiers: modifiers)
    }

    /// Reads one event up to the next top-level ',', '{' or '}' (commas between slashes belong to the event).
    mutating func parseEvent() throws(EventSyntaxError) -> EventSyntax {
        let start = position
        var end = start
        if hasPrefix("mem:", at: start) {
            while end < bytes.count && bytes[end] != comma && bytes[end] != openBrace && bytes[end] != closeBrace {
                end += 1
            }
        } else {
            var openSlash: Int?
            while end < bytes.count {
                let byte = bytes[end]
                if byte == slash {
                    openSlash = openSlash == nil ? end : nil
                } else if openSlash == nil && (byte == comma || byte == openBrace || byte == closeBrace) {
                    break
                }
                end += 1
            }
            if let openSlash {
                throw error(openSlash, text(openSlash..<end), "unbalanced '/': a PMU's term list ends with '/', as in 'msr/tsc/'")
            }
        }
        position = end
        if end < bytes.count && bytes[end] == openBrace {
            throw error(end, "{", "'{' inside an event: groups start at the beginning of an item and cannot nest")
        }
        // `W` on a single event is taken, as perf 6.1 takes it (a group of one has nothing to split).
        return try classify(start..<end)
    }

    func hasPrefix(_ prefix: String, at offset: Int) -> Bool {
        let wanted = Array(prefix.utf8)
        guard offset + wanted.count <= bytes.count else { return false }
        return Array(bytes[offset..<offset + wanted.count]) == wanted
    }

    func firstIndex(of byte: UInt8, in range: Range<Int>) -> Int? {
        bytes[range].firstIndex(of: byte)
    }

    func classify(_ range: Range<Int>) throws(EventSyntaxError) -> EventSyntax {
        let token = text(range)
        if hasPrefix("mem:", at: range.lowerBound) {
            return try parseBreakpoint(range)
        }
        if let slashAt = firstIndex(of: slash, in: range) {
            return try parsePMU(range, firstSlash: slashAt)
        }
        if let doubleColon = findDoubleColon(range) {
            if doubleColon == range.lowerBound {
                throw error(range.lowerBound, token, "missing libpfm4 PMU name before '::' (e.g. amd64_fam19h_zen3::RETIRED_INSTRUCTIONS)")
            }
            if doubleColon + 2 >= range.upperBound {
                throw error(doubleColon, token, "missing libpfm4 event name after '::'")
            }
            return EventSyntax(text: token, offset: range.lowerBound, kind: .libpfm(token), modifiers: EventModifiers())
        }
        // name, name:mods, sys:event, sys:event:mods, rHEX, rHEX:mods
        var parts: [Range<Int>] = []
        var partStart = range.lowerBound
        for index in range where bytes[index] == colon {
            parts.append(partStart..<index)
            partStart = index + 1
        }
        parts.append(partStart..<range.upperBound)

        let name = parts[0]
        if name.isEmpty { throw error(name.lowerBound, token, "missing event name before ':'") }
        // Tracepoint names may be globs (`sched:*`, `syscalls:sys_enter_getpp*`), as in perf.
        try checkName(name, what: parts.count > 1 ? "tracepoint subsystem" : "event name", globs: parts.count > 1)
        let nameText = text(name)
        if parts.count >= 2, let type = parseNumber(nameText), let config = parseNumber(text(parts[1])) {
            guard type <= UInt64(UInt32.max) else {
                throw error(name.lowerBound, nameText, "the type of a TYPE:CONFIG event must fit in 32 bits")
            }
            if parts.count > 3 {
                throw error(parts[3].lowerBound - 1, token, "too many ':' in an event; expected TYPE:CONFIG[:modifiers]")
            }
            var modifiers = EventModifiers()
            if parts.count == 3 {
                modifiers = try EventModifiers.parse(
                    bytes[parts[2]], offset: parts[2].lowerBound, input: input, allowingEmpty: true)
            }
            return EventSyntax(
                text: token, offset: range.lowerBound, kind: .numeric(type: UInt32(type), config: config), modifiers: modifiers)
        }
        let raw = rawConfig(name)
        let isGeneric = GenericEvent(named: nameText) != nil
        let fixedName = raw != nil || isGeneric
        let globbed = bytes[name].contains(where: isGlobCharacter)

        func event(_ kind: EventSyntax.Kind, modifiers: Range<Int>?) throws(EventSyntaxError) -> EventSyntax {
            var parsed = EventModifiers()
            if let modifiers {
                parsed = try EventModifiers.parse(
                    bytes[modifiers], offset: modifiers.lowerBound, input: input, allowingEmpty: true)
            }
            return EventSyntax(text: token, offset: range.lowerBound, kind: kind, modifiers: parsed)
        }
        let plainKind: EventSyntax.Kind = raw.map { .raw($0) } ?? .name(nameText)

        switch parts.count {
        case 1:
            return try event(plainKind, modifiers: nil)
        case 2 where fixedName || parts[1].isEmpty || (!globbed && EventModifiers.looksLikeModifiers(bytes[parts[1]])):
            return try event(plainKind, modifiers: parts[1])
        case 2, 3:
            if fixedName {
                throw error(parts[2].lowerBound - 1, token, "'\(nameText)' takes one modifier list; write all letters after one ':'")
            }
            let tracepointEvent = parts[1]
            if tracepointEvent.isEmpty {
                throw error(tracepointEvent.lowerBound, token, "missing tracepoint name after '\(nameText):'")
            }
            try checkName(tracepointEvent, what: "tracepoint name", globs: true)
            return try event(
                .tracepoint(system: nameText, event: text(tracepointEvent)),
                modifiers: parts.count == 3 ? parts[2] : nil)
        default:
            throw error(parts[3].lowerBound - 1, token, "too many ':' in an event; expected subsystem:event[:modifiers]")
        }
    }

    func findDoubleColon(_ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index + 1 < range.upperBound {
            if bytes[index] == colon && bytes[index + 1] == colon { return index }
            index += 1
        }
        return nil
    }

    /// Letters, digits, `_`, `-` and `.`: what perf's lexer accepts in names.
    /// With `globs`, also `*`, `?`, `[` and `]` (tracepoint globs).
    func checkName(_ range: Range<Int>, what: String, globs: Bool = false) throws(EventSyntaxError) {
        for index in range {
            let byte = bytes[index]
            if isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: ".") || (globs && isGlobCharacter(byte))
            {
                continue
            }
            throw error(
                index, text(index..<index + 1),
                "unexpected character in \(what) '\(text(range))' (names use letters, digits, '_', '-' and '.'"
                    + (globs ? ", and tracepoint names the glob characters '*', '?' and '[…]')" : ")"))
        }
    }

    /// `r` followed by 1…16 hexadecimal digits: a raw config.
    func rawConfig(_ range: Range<Int>) -> UInt64? {
        guard range.count >= 2, range.count <= 17, bytes[range.lowerBound] == UInt8(ascii: "r") else { return nil }
        let digits = range.dropFirst()
        for index in digits {
            let byte = bytes[index]
            guard isDigit(byte) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70) else { return nil }
        }
        return parseNumber("0x" + text(digits.lowerBound..<digits.upperBound))
    }

    func parsePMU(_ range: Range<Int>, firstSlash: Int) throws(EventSyntaxError) -> EventSyntax {
        let token = text(range)
        let name = range.lowerBound..<firstSlash
        if name.isEmpty { throw error(range.lowerBound, token, "missing PMU name before '/'") }
        try checkName(name, what: "PMU name")
        guard let closing = firstIndex(of: slash, in: (firstSlash + 1)..<range.upperBound) else {
            throw error(firstSlash, token, "unbalanced '/': a PMU's term list ends with '/', as in 'msr/tsc/'")
        }
        let termsRange = (firstSlash + 1)..<closing
        // `pmu//` (the form of `intel_pt//`): no terms, every config word zero, as in perf.
        var terms: [EventTerm] = []
        var pieceStart = termsRange.lowerBound
        for index in termsRange.lowerBound...termsRange.upperBound
        where !termsRange.isEmpty && (index == termsRange.upperBound || bytes[index] == comma) {
            let piece = pieceStart..<index
            if piece.isEmpty {
                throw error(pieceStart, token, "empty term in the term list (two commas, or a comma next to '/')")
            }
            do {
                terms.append(contentsOf: try TermList.parse(text(piece)))
            } catch {
                throw self.error(piece.lowerBound, text(piece), error.problem)
            }
            try checkLowercaseHex(piece)
            pieceStart = index + 1
        }
        // After the closing slash: nothing, or modifier letters right after it (`msr/tsc/u`).
        // perf's grammar has no ':' there (perf 6.1 and upstream refuse `msr/tsc/:u`).
        let after = (closing + 1)..<range.upperBound
        if firstIndex(of: slash, in: after) != nil {
            throw error(closing + 1, text(after), "unexpected text after the closing '/'; modifiers follow right after it, as in 'msr/tsc/u'")
        }
        var modifiers = EventModifiers()
        if !after.isEmpty {
            if bytes[after.lowerBound] == colon {
                throw error(
                    after.lowerBound, text(after),
                    "no ':' after a PMU event's closing '/': perf writes the modifiers right after it, as in '\(text(range.lowerBound..<closing + 1))\(text((after.lowerBound + 1)..<after.upperBound))'")
            }
            modifiers = try EventModifiers.parse(bytes[after], offset: after.lowerBound, input: input)
        }
        return EventSyntax(
            text: token, offset: range.lowerBound, kind: .pmu(name: text(name), terms: terms), modifiers: modifiers)
    }

    /// perf's lexer reads hexadecimal only as `0x…` (lowercase x): `0X1a` is a syntax error there.
    func checkLowercaseHex(_ range: Range<Int>) throws(EventSyntaxError) {
        var index = range.lowerBound
        while index + 1 < range.upperBound {
            let startsNumber = index == range.lowerBound || !(isLetter(bytes[index - 1]) || isDigit(bytes[index - 1]))
            if startsNumber && bytes[index] == UInt8(ascii: "0") && bytes[index + 1] == UInt8(ascii: "X") {
                throw error(index, text(index..<index + 2), "hexadecimal numbers start with a lowercase '0x' (perf refuses '0X')")
            }
            index += 1
        }
    }

    func parseBreakpoint(_ range: Range<Int>) throws(EventSyntaxError) -> EventSyntax {
        let token = text(range)
        var fields: [Range<Int>] = []
        var fieldStart = range.lowerBound + 4
        for index in fieldStart..<range.upperBound where bytes[index] == colon {
            fields.append(fieldStart..<index)
            fieldStart = index + 1
        }
        fields.append(fieldStart..<range.upperBound)

        // ADDR[/LEN]
        let addressField = fields[0]
        try checkLowercaseHex(addressField)
        let lengthSlash = firstIndex(of: slash, in: addressField)
        let addressRange = addressField.lowerBound..<(lengthSlash ?? addressField.upperBound)
        guard !addressRange.isEmpty, let address = parseNumber(text(addressRange)) else {
            throw error(
                addressRange.lowerBound, text(addressRange),
                "breakpoint address must be a number, e.g. 'mem:0x7ffd1234' (hexadecimal with 0x, or decimal)")
        }
        var length: UInt64?
        if let lengthSlash {
            let lengthRange = (lengthSlash + 1)..<addressField.upperBound
            // Which lengths the kernel takes depends on the architecture: the resolver checks them.
            guard let value = parseNumber(text(lengthRange)) else {
                throw error(lengthRange.lowerBound, text(lengthRange), "breakpoint length must be a number of bytes, e.g. 'mem:0x1000/8'")
            }
            // perf 6.1: a zero length is no length (the default: 4 bytes, or a word for 'x').
            length = value == 0 ? nil : value
        }

        var access: BreakpointAccess = []
        var modifiers = EventModifiers()
        var next = 1
        // Access letters with modifiers glued on, as the last field (`mem:0x1000:wk`): perf's
        // lexer reads one to three of r, w, x, then modifiers without a ':'.
        var gluedModifiers: Range<Int>?
        if next == fields.count - 1, !isAccess(fields[next]) {
            let field = fields[next]
            var end = field.lowerBound
            while end < field.upperBound && end - field.lowerBound < 3 && isAccess(end..<end + 1) { end += 1 }
            if end > field.lowerBound && end < field.upperBound
                && bytes[end..<field.upperBound].allSatisfy({ EventModifiers.letters.contains($0) }) {
                fields[next] = field.lowerBound..<end
                gluedModifiers = end..<field.upperBound
            }
        }
        if next < fields.count, isAccess(fields[next]) {
            let field = fields[next]
            for index in field {
                let flag: BreakpointAccess
                switch bytes[index] {
                case UInt8(ascii: "r"): flag = .read
                case UInt8(ascii: "w"): flag = .write
                default: flag = .execute
                }
                if access.contains(flag) {
                    throw error(index, text(index..<index + 1), "breakpoint access letter repeated; use each of r, w, x once")
                }
                access.insert(flag)
            }
            if access.contains(.execute) && access != .execute {
                throw error(field.lowerBound, text(field), "an execute breakpoint ('x') cannot also watch reads or writes; the kernel rejects it")
            }
            next += 1
        }
        if let gluedModifiers {
            modifiers = try EventModifiers.parse(bytes[gluedModifiers], offset: gluedModifiers.lowerBound, input: input)
        } else if next < fields.count {
            modifiers = try EventModifiers.parse(
                bytes[fields[next]], offset: fields[next].lowerBound, input: input, allowingEmpty: true)
            next += 1
        }
        if next < fields.count {
            throw error(fields[next].lowerBound - 1, token, "too many ':' in a breakpoint; expected mem:ADDR[/LEN][:rwx][:modifiers]")
        }
        if access.isEmpty { access = [.read, .write] }
        return EventSyntax(
            text: token, offset: range.lowerBound,
            kind: .breakpoint(address: address, length: length, access: access), modifiers: modifiers)
    }

    func isAccess(_ range: Range<Int>) -> Bool {
        !range.isEmpty && range.allSatisfy {
            bytes[$0] == UInt8(ascii: "r") || bytes[$0] == UInt8(ascii: "w") || bytes[$0] == UInt8(ascii: "x")
        }
    }
}

/// `*`, `?`, `[` and `]`: the characters of a tracepoint glob.
@inline(__always) func isGlobCharacter(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
}

/// `r` followed by 1…16 hexadecimal digits, perf's raw event name: its config, or nil.
func rawConfigValue(_ name: String) -> UInt64? {
    let bytes = Array(name.utf8)
    guard bytes.count >= 2, bytes.count <= 17, bytes[0] == UInt8(ascii: "r") else { return nil }
    for byte in bytes.dropFirst() {
        guard isDigit(byte) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70) else { return nil }
    }
    return parseNumber("0x" + String(decoding: bytes.dropFirst(), as: UTF8.self))
}
