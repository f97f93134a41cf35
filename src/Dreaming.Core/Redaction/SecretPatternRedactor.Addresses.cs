namespace Dreaming;

/// <summary>The parts of the pattern that find e-mail addresses: the scripts written without spaces around them, the at
/// sign and the dot in their wide forms, and the local parts, labels and top-level names of addresses beyond ASCII (the
/// credentials' parts also stop at those scripts).</summary>
public sealed partial class SecretPatternRedactor
{
    // Scripts written without spaces between words, in UTF-16 ranges for a character class: Thai, Lao, Myanmar (and its
    // extensions A and B), Khmer (and its symbols), CJK symbols (々, 〆, 〇), Hiragana, Katakana (and its extension and
    // halfwidth forms), Bopomofo (and its extension), Han (and extension A and the compatibility ideographs). And Hangul
    // (its syllables, jamo and halfwidth forms): Korean puts spaces between words, but a particle follows the word it
    // belongs to directly, an address too (support@example.com으로).
    private const string Unspaced = @"\u0E00-\u0EFF\u1000-\u109F\uA9E0-\uA9FF\uAA60-\uAA7F\u1780-\u17FF\u19E0-\u19FF\u3000-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF66-\uFF9F\u1100-\u11FF\uA960-\uA97F\uAC00-\uD7FF\uFFA0-\uFFDC";

    // Han beyond the BMP (extension B and later, planes 2 and 3: 𠮷 of 𠮷田) is a surrogate pair, which no class of
    // letters holds: it is matched as a pair, never half of one, so a replacement cannot split a character.
    private const string UnspacedBeyondBmp = @"[\uD840-\uD8BF][\uDC00-\uDFFF]";

    // A symbol a local part may hold (RFC 6531 allows any character beyond ASCII there): an emoji or another symbol of
    // the BMP (☺, ❤), or any character beyond the BMP but Han (🙂, a skin tone), as its pair of UTF-16 code units.
    // With the zero-width joiner of an emoji sequence (👨‍💻) and the variation selector (a mark), a local part of emoji is
    // read whole. Currency and math signs are not among them, so a price ($5@…, 3＠¥1,200) is not an address.
    private const string Symbol = """(?:\p{So}|(?![\uD840-\uD8BF])[\uD800-\uDBFF][\uDC00-\uDFFF])""";

    // The at sign and the dot of a domain: each also in the forms Unicode's compatibility normalisation (NFKC) folds to
    // it, the fullwidth ＠ (U+FF20) and ． (U+FF0E) an input method writes in full width, and the small ﹫ (U+FE6B) and
    // ﹒ (U+FE52), which a reader, or a model, takes for the address they write.
    // The fullwidth ． and small ﹒ are also the full stop of Japanese written in the academic style, so one directly
    // followed by a letter of those scripts ends the address (user@example.com．次に進みます．それから…): read as a dot of
    // the domain, the prose after it was taken for labels, every sentence joined by one to the next. In the local part
    // they are dots only after a character not of those scripts (ｙａｍａｄａ．ｔａｒｏ＠), so such prose before an
    // address (…です．support@) is not taken into its local part either.
    private const string AtSign = """[@\uFF20\uFE6B]""";
    private const string DomainDot = $$"""(?:\.|[\uFF0E\uFE52](?![{{Unspaced}}]|[\uD840-\uD8BF]))""";
    private const string LocalPartWideDot = $$"""(?<![{{Unspaced}}]|{{UnspacedBeyondBmp}})[\uFF0E\uFE52]""";

    // The fullwidth and small forms of the other punctuation of a local part and a label, which NFKC folds to _ % + -:
    // an input method writing in full width writes them with the letters (ａｌｉｃｅ＿ｓｍｉｔｈ＠, ｅｘａｍｐｌｅ－ｓｈｏｐ．ｃｏｍ).
    private const string WideLocalPunct = @"\uFF3F\uFF05\uFE6A\uFF0B\uFE62\uFF0D\uFE63";
    private const string WideHyphen = @"\uFF0D\uFE63";

    // Between a character of those scripts and a letter, mark, digit or symbol of another: where such prose ends and an
    // address of another script may begin (お問い合わせは|support@, 連絡は|🙂@).
    private const string AfterUnspacedProse = $$"""(?<=[{{Unspaced}}]|{{UnspacedBeyondBmp}})(?=[\p{L}\p{M}\p{N}-[{{Unspaced}}]]|{{Symbol}})""";

    // A character of a local part beyond ASCII: a letter, mark or digit of any script, or a symbol (above); one of those
    // scripts only where no letter or symbol of another script follows it, so the local part of support@ after prose of
    // those scripts starts after the prose, and 山田@ or 山田.taro@ is read from the start of its run.
    private const string LocalPartChar = $$"""(?:[\p{L}\p{M}\p{N}._%+\-\u200D{{WideLocalPunct}}-[{{Unspaced}}]]|{{LocalPartWideDot}}|{{Symbol}}|(?:[{{Unspaced}}]|{{UnspacedBeyondBmp}})(?![\p{L}\p{M}\p{N}-[{{Unspaced}}]]|{{Symbol}}))""";

    // Where a local part beyond ASCII may start: at a word's start, as \b tells it, at Han beyond the BMP, or at a
    // symbol, neither of which \b takes for a letter.
    private const string LocalPartStart = $$"""(?:\b|(?=[\uD840-\uD8BF])|(?={{Symbol}}))""";

    // Before a character that may continue a local part beyond ASCII, a local part does not start (it is read once from
    // the start of its run, so a long run is scanned in linear time).
    private const string NoLocalPartBefore = $$"""(?<![\p{L}\p{M}\p{N}._%+\-\p{So}\u200D{{WideLocalPunct}}]|[\uD800-\uDBFF][\uDC00-\uDFFF]|{{LocalPartWideDot}})""";

    // A character of a domain's label beyond ASCII.
    private const string LabelChar = $$"""(?:[\p{L}\p{M}\p{N}\-{{WideHyphen}}]|{{UnspacedBeyondBmp}})""";

    // A top-level name beyond ASCII: letters not of those scripts, which may be followed by such prose (.comまで), or
    // else any letters to the end of the word, as of a name such as .ไทย or .中国, whose end in such prose cannot be told.
    private const string TopLevelName = $$"""(?:(?>[\p{L}\p{M}-[{{Unspaced}}]]{2,})(?![\w-[{{Unspaced}}]])|[\p{L}\p{M}]{2,}\b)""";

    // Where an address's top-level name would start, after its last dot: not the label of another secret run into the
    // address (…@example.AccountKey=, …@example.Bearer …; the label may end a longer word) nor the start of a key
    // (…@example.sk-…, …@example.xoxb-…), which that secret's alternative redacts from there.
    private const string NoSecretAfterTheDot = $$"""(?!{{SecretAfterTheDot}})""";

    // What follows the dot where an address's top-level name would start when it is another secret: its label (the
    // label may end a longer word), the start of a key, or a scheme of a web address (…@example.https://…).
    private const string SecretAfterTheDot = """(?:[\p{L}\p{M}]*?(?i:password|passwd|pwd|bearer|basic|account(?:key)?|shared(?:access(?:key|signature)?)?|api(?:key)?|ocp|subscription(?:key)?|client(?:secret)?|secret(?:accesskey)?|session(?:token)?)\b|sk-[A-Za-z0-9_\-]{16}|xox[abprs]-[A-Za-z0-9\-]{10}|[\p{L}\p{M}]{2,}://)""";

    // The end of an address's domain where a secret follows its last dot: the address is read without a top-level name
    // and redacted, and the secret after it is that secret's own to redact. A real address run into something that
    // reads as a key is kept out of the text so (jan@firma.sk followed by a rule of dashes, or sk-… after .sk, the Slovak
    // top-level name): read with the secret's start as its top-level name, it was left in the text but for that name.
    private const string BeforeASecretAfterTheDot = $$"""(?=\.{{SecretAfterTheDot}})""";

    // An address with letters beyond ASCII from its local part to its top-level name, which may not be another secret's
    // label (…@é.AccountKey=, …@é.https://) nor start a key (…@é.sk-…, …@é.xoxb-…).
    // The at sign and the dots may be fullwidth or small (AtSign, DomainDot).
    private const string AddressBeyondAscii = $$"""{{LocalPartChar}}+{{AtSign}}{{LabelChar}}+(?:{{DomainDot}}{{LabelChar}}+)*(?:{{DomainDot}}{{NoSecretAfterTheDot}}{{TopLevelName}}(?!://)|{{BeforeASecretAfterTheDot}})""";
}
