using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>The line a message's image, file or link is recorded as, in place of its bytes:
/// <c>[attachment: image/png, 5242880 bytes, cat.png]</c>, <c>[attachment: image/png, https://example.com/cat.png]</c>,
/// <c>[attachment: application/pdf, report.pdf, file id file-abc]</c>.</summary>
/// <remarks>The store holds text: the bytes would swell it (a 5 MB image is 7 MB of base64), cost redaction its scan
/// and tell a person or a dream nothing. The note says that something was given, and what, so a message of an image
/// alone is not recorded as no message at all. A link is noted without its query and fragment, which often carry a
/// signature that grants access.</remarks>
internal static class AttachmentNote
{
    private const string Prefix = "[attachment: ";

    /// <summary>Gets whether <paramref name="content"/> is an image, file or link that is noted.</summary>
    public static bool IsAttachment(AIContent content) => content is DataContent or UriContent or HostedFileContent;

    /// <summary>Gets whether any of <paramref name="contents"/> is noted: a type check per part, no allocation.</summary>
    public static bool Any(IList<AIContent> contents)
    {
        for (var c = 0; c < contents.Count; c++)
        {
            if (IsAttachment(contents[c]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets <paramref name="text"/> followed by a note of each attachment of <paramref name="contents"/>, one a
    /// line; <paramref name="text"/> itself when there is none.</summary>
    public static string WithNotes(string text, IList<AIContent> contents)
    {
        if (!Any(contents))
        {
            return text;
        }

        var builder = new StringBuilder(text);
        for (var c = 0; c < contents.Count; c++)
        {
            if (IsAttachment(contents[c]))
            {
                if (builder.Length > 0)
                {
                    builder.Append('\n');
                }

                Append(builder, contents[c]);
            }
        }

        return builder.ToString();
    }

    /// <summary>Gets the note of one attachment, or <see langword="null"/> when <paramref name="content"/> is none.</summary>
    public static string? Of(AIContent content)
    {
        if (!IsAttachment(content))
        {
            return null;
        }

        var builder = new StringBuilder();
        Append(builder, content);
        return builder.ToString();
    }

    /// <summary>Gets the note of an attachment described by its parts, each left out when <see langword="null"/>: the
    /// import's, which reads them from a log rather than from an <see cref="AIContent"/>.</summary>
    public static string Of(string? mediaType, long? size, string? name, Uri? link, string? fileId)
    {
        var builder = new StringBuilder();
        Append(builder, mediaType, size, name, link, fileId);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, AIContent content)
    {
        switch (content)
        {
            case DataContent data:
                // The length of the bytes, never the bytes themselves: Uri or Base64Data would encode them all. A
                // DataContent made from a data URI decodes once for this (it keeps the result), as matching it did.
                Append(builder, data.MediaType, data.Data.Length, data.Name, link: null, fileId: null);
                break;
            case UriContent uri:
                Append(builder, uri.MediaType, size: null, name: null, uri.Uri, fileId: null);
                break;
            case HostedFileContent file:
                Append(builder, file.MediaType, file.SizeInBytes, file.Name, link: null, file.FileId);
                break;
        }
    }

    private static void Append(StringBuilder builder, string? mediaType, long? size, string? name, Uri? link, string? fileId)
    {
        builder.Append(Prefix);
        var start = builder.Length;
        Part(builder, start, mediaType);
        if (size is { } bytes)
        {
            Part(builder, start, bytes.ToString(CultureInfo.InvariantCulture) + " bytes");
        }

        Part(builder, start, name);
        if (link is not null)
        {
            Part(builder, start, WithoutQuery(link));
        }

        if (!string.IsNullOrWhiteSpace(fileId))
        {
            Part(builder, start, "file id " + fileId);
        }

        if (builder.Length == start)
        {
            builder.Append("unknown");
        }

        builder.Append(']');
    }

    private static void Part(StringBuilder builder, int start, string? part)
    {
        if (string.IsNullOrWhiteSpace(part))
        {
            return;
        }

        if (builder.Length > start)
        {
            builder.Append(", ");
        }

        // One line per note: a name with a line break would otherwise pass for more of the message. The Unicode line and
        // paragraph separators break a line too (an editor's, a browser's JSON view, a model's tokenizer), though they
        // are not control characters.
        foreach (var ch in part)
        {
            builder.Append(char.IsControl(ch) || ch is '\u2028' or '\u2029' ? ' ' : ch);
        }
    }

    private static string WithoutQuery(Uri link)
    {
        if (!link.IsAbsoluteUri)
        {
            var text = link.OriginalString;
            var cut = text.AsSpan().IndexOfAny('?', '#');
            return cut < 0 ? text : text[..cut];
        }

        // A data URI in a UriContent (allowed, if not meant) is its bytes: only its scheme is kept. Otherwise the scheme,
        // host, port and path: not the user info either, which may be a password.
        return link.Scheme == "data" ? "data URI" : link.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }
}
