using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>Reads existing agent logs into sessions without writing them anywhere: the parsing half of <see cref="SessionImporter"/>.</summary>
/// <remarks>
/// <para>A source is a UTF-8 JSON array of session objects, or JSON Lines (one session object per line, blank lines
/// ignored); the first character that is not white space tells which. Each session object holds chat messages,
/// each either OpenAI-style (<c>content</c>, <c>tool_calls</c>, <c>tool_call_id</c>) or a Microsoft.Extensions.AI
/// <c>ChatMessage</c> as <c>AIJsonUtilities.DefaultOptions</c> writes it (<c>contents</c>) or as <c>JsonSerializer</c>
/// writes it without options (<c>Role</c>, <c>Contents</c>), told apart per message; or a session is an Anthropic Messages
/// request (<c>system</c> beside its messages, content blocks such as <c>tool_use</c> and <c>tool_result</c>), with its
/// saved response if the log keeps one (<see cref="SessionImportOptions.ResponseField"/>), told apart per session.
/// The source is streamed: only one element is held as JSON at a time.</para>
/// <para>Every text, tool argument, tool result, task and metadata value goes through the content filter before it is
/// put in a session, so that secrets can be redacted before anything reaches a store.</para>
/// </remarks>
public sealed class SessionLogReader
{
    private const int BufferSize = 64 * 1024;

    private static readonly byte[] Utf8ByteOrderMark = [0xEF, 0xBB, 0xBF];

    private static readonly string[] PositionSuffixes = [" Path: ", " LineNumber: "];

    private readonly TimeProvider _timeProvider;
    private readonly Func<string, string> _contentFilter;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="timeProvider">The clock that stamps sessions without a start time; by default the system clock.</param>
    /// <param name="contentFilter">Applied to every text before it is put in a session, such as a redactor; by default none.</param>
    public SessionLogReader(TimeProvider? timeProvider = null, Func<string, string>? contentFilter = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        _contentFilter = contentFilter ?? (static text => text);
    }

    /// <summary>
    /// Gets, for tests, a callback given the number of bytes scanned once a source has been read (or its reading stopped):
    /// searched for line feeds in JSON Lines, offered to the JSON reader in a JSON array.
    /// </summary>
    internal Action<long>? ScanObserver { get; init; }

    /// <summary>Gets the price of a saved response's usage (<see cref="DreamingOptions.CostOf"/>), or <see langword="null"/>.</summary>
    internal Func<ModelCallUsage, long>? CostOf { get; init; }

    /// <summary>Gets the logger told of a <see cref="CostOf"/> that fails, or <see langword="null"/>.</summary>
    internal ILogger? Logger { get; init; }

    /// <summary>Reads the sessions of a source, one element at a time.</summary>
    /// <param name="stream">The source, read from its current position to its end; it is left open.</param>
    /// <param name="sourceName">The name of the source, usually the file name: errors name it, and ids derived for sessions without one depend on it.</param>
    /// <param name="options">How to map the session objects; by default <see cref="SessionImportOptions"/> as constructed.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>
    /// One entry per element, in order. With <see cref="ImportErrorHandling.SkipMalformed"/>, a malformed element gives an
    /// entry with <see cref="ImportedSession.Error"/> set, and invalid JSON syntax in a JSON array gives one and ends the
    /// enumeration, since the following elements cannot be found.
    /// </returns>
    /// <exception cref="ArgumentException">The source name is blank, or an option is invalid.</exception>
    /// <exception cref="SessionImportException">
    /// While enumerating: the source is neither a JSON array nor JSON Lines, or, with <see cref="ImportErrorHandling.Atomic"/>, an element is malformed.
    /// </exception>
    public IAsyncEnumerable<ImportedSession> ReadAsync(Stream stream, string sourceName, SessionImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        options ??= new SessionImportOptions();
        options.Validate();

        // The mapper snapshots the options, so changing them during the enumeration has no effect.
        var mapper = new SessionElementMapper(options, sourceName, _timeProvider.GetUtcNow(), _contentFilter, CostOf, Logger);
        return ReadCoreAsync(stream, sourceName, mapper, options.ErrorHandling, ScanObserver, cancellationToken);
    }

    private static async IAsyncEnumerable<ImportedSession> ReadCoreAsync(
        Stream stream, string sourceName, SessionElementMapper mapper, ImportErrorHandling errorHandling, Action<long>? scanObserver,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: BufferSize, leaveOpen: true));
        try
        {
            var (first, skippedLines) = await SkipLeadingWhiteSpaceAsync(pipe, cancellationToken).ConfigureAwait(false);
            if (first is null)
            {
                yield break;
            }

            var elements = first switch
            {
                (byte)'[' => ReadArrayAsync(pipe, sourceName, mapper, skippedLines, errorHandling, scanObserver, cancellationToken),
                (byte)'{' => ReadLinesAsync(pipe, sourceName, mapper, skippedLines, errorHandling, scanObserver, cancellationToken),
                _ => throw new SessionImportException(new ImportError
                {
                    SourceName = sourceName,
                    LineNumber = skippedLines + 1,
                    Message = "is neither a JSON array ('[') nor JSON Lines of session objects ('{')",
                }),
            };
            await foreach (var element in elements.ConfigureAwait(false))
            {
                yield return element;
            }
        }
        finally
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    // An element longer than a read is parsed again from its start when more bytes have come, but only once the unread
    // bytes have doubled since the last try: each byte is parsed a bounded number of times (linear in the element's size),
    // where trying after every 64 KB read would cost the square of it.
    private static async IAsyncEnumerable<ImportedSession> ReadArrayAsync(
        PipeReader pipe, string sourceName, SessionElementMapper mapper, long skippedLines, ImportErrorHandling errorHandling, Action<long>? observer,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var scanner = new JsonArrayScanner();
        var elements = new List<JsonElement>();
        var index = 0;
        long scanned = 0;
        long scanAt = 0;
        try
        {
            while (!scanner.Completed)
            {
                var result = await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (!result.IsCompleted && result.Buffer.Length < scanAt)
                {
                    pipe.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    continue;
                }

                scanned += result.Buffer.Length;
                JsonException? syntaxError = null;
                try
                {
                    var consumed = scanner.Scan(result.Buffer, result.IsCompleted, elements);
                    scanAt = 2 * result.Buffer.Slice(consumed).Length;
                    pipe.AdvanceTo(consumed, result.Buffer.End);
                }
                catch (JsonException exception)
                {
                    pipe.AdvanceTo(result.Buffer.End);
                    syntaxError = exception;
                }

                // The elements read before a syntax error in the same buffer are good, and come first.
                foreach (var element in elements)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return MapElement(mapper, sourceName, element, index++, lineNumber: null, errorHandling);
                }

                elements.Clear();
                if (syntaxError is not null)
                {
                    var line = syntaxError.LineNumber is { } zeroBased ? skippedLines + zeroBased + 1 : (long?)null;
                    yield return Reject(new ImportError { SourceName = sourceName, Index = index, LineNumber = line, Message = DescribeSyntaxError(syntaxError) }, errorHandling, syntaxError);
                    yield break;
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        finally
        {
            observer?.Invoke(scanned);
        }
    }

    // JSON Lines are split on the bytes, and each line is parsed from its UTF-8 bytes, so text that is not UTF-8 fails the
    // element it is in (as it does in a JSON array), never silently replaced, and the lines after it are still read.
    // A line longer than a read is searched for its end once in all, not again from its start after every read.
    private static async IAsyncEnumerable<ImportedSession> ReadLinesAsync(
        PipeReader pipe, string sourceName, SessionElementMapper mapper, long skippedLines, ImportErrorHandling errorHandling, Action<long>? observer,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var splitter = new JsonLineSplitter();
        var lineNumber = skippedLines;
        var index = 0;
        try
        {
            while (true)
            {
                var result = await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (splitter.TryReadLine(ref buffer, result.IsCompleted, out var line))
                {
                    lineNumber++;
                    if (IsBlank(line))
                    {
                        continue;
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    yield return MapLine(mapper, sourceName, line, index++, lineNumber, errorHandling);
                }

                if (result.IsCompleted)
                {
                    break;
                }

                // The bytes of an unfinished line stay in the pipe and come back, with more after them, on the next read;
                // the splitter goes on searching them where it stopped.
                pipe.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            observer?.Invoke(splitter.BytesSearched);
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static ImportedSession MapLine(SessionElementMapper mapper, string sourceName, ReadOnlySequence<byte> line, int index, long lineNumber, ImportErrorHandling errorHandling)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException exception)
        {
            return Reject(new ImportError { SourceName = sourceName, Index = index, LineNumber = lineNumber, Message = DescribeSyntaxError(exception) }, errorHandling, exception);
        }

        using (document)
        {
            return MapElement(mapper, sourceName, document.RootElement, index, lineNumber, errorHandling);
        }
    }

    private static ImportedSession MapElement(SessionElementMapper mapper, string sourceName, JsonElement element, int index, long? lineNumber, ImportErrorHandling errorHandling)
    {
        try
        {
            return mapper.Map(element, index, lineNumber);
        }
        catch (SessionImportException exception) when (errorHandling == ImportErrorHandling.SkipMalformed && exception.Error is not null)
        {
            return new ImportedSession { Index = index, LineNumber = lineNumber, Error = exception.Error };
        }
        catch (InvalidOperationException exception) when (exception.InnerException is DecoderFallbackException)
        {
            // The JSON reader checks a string's UTF-8 only when it is read.
            return Reject(new ImportError { SourceName = sourceName, Index = index, LineNumber = lineNumber, Message = "holds text that is not valid UTF-8" }, errorHandling, exception);
        }
        catch (InvalidOperationException exception) when (ModelReplyJson.HasHalfSurrogateEscape(element.GetRawText()))
        {
            // Nor does it check a \u escape: half a surrogate pair ("\ud800", a character cut in two) parses, and reading the
            // string or property name holding it throws. It is not text, and is not replaced with U+FFFD, as bytes that are
            // not UTF-8 are not. The element itself is looked at (not where the exception came from, which a trimmed app
            // may not know), so any other InvalidOperationException still surfaces as the bug it is.
            return Reject(new ImportError { SourceName = sourceName, Index = index, LineNumber = lineNumber, Message = "holds text that is not valid UTF-16: " + exception.Message }, errorHandling, exception);
        }
    }

    private static ImportedSession Reject(ImportError error, ImportErrorHandling errorHandling, Exception innerException) =>
        errorHandling == ImportErrorHandling.Atomic
            ? throw new SessionImportException(error, innerException)
            : new ImportedSession { Index = error.Index ?? 0, LineNumber = error.LineNumber, Error = error };

    private static string DescribeSyntaxError(JsonException exception)
    {
        // System.Text.Json appends its own 0-based position ("Path: $ | LineNumber: 0 | ..."); the error gives a 1-based line instead.
        var message = exception.Message;
        var cut = PositionSuffixes.Select(suffix => message.IndexOf(suffix, StringComparison.Ordinal)).Where(index => index > 0).DefaultIfEmpty(message.Length).Min();
        var reason = message[..cut];
        return exception.BytePositionInLine is { } column
            ? $"is not valid JSON at byte {column + 1} of its line: {reason}"
            : $"is not valid JSON: {reason}";
    }

    private static async ValueTask<(byte? First, long SkippedLines)> SkipLeadingWhiteSpaceAsync(PipeReader pipe, CancellationToken cancellationToken)
    {
        long skippedLines = 0;
        var atStart = true;
        while (true)
        {
            var result = await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (atStart)
            {
                if (buffer.Length < Utf8ByteOrderMark.Length && !result.IsCompleted)
                {
                    pipe.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                atStart = false;
                if (StartsWithByteOrderMark(buffer))
                {
                    buffer = buffer.Slice(Utf8ByteOrderMark.Length);
                }
            }

            var (position, first, newLines) = FindFirstNonWhiteSpace(buffer);
            skippedLines += newLines;
            if (first is not null)
            {
                // Consume only the white space: the JSON readers start at the first significant byte.
                pipe.AdvanceTo(position);
                return (first, skippedLines);
            }

            pipe.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                return (null, skippedLines);
            }
        }
    }

    private static bool StartsWithByteOrderMark(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < Utf8ByteOrderMark.Length)
        {
            return false;
        }

        Span<byte> head = stackalloc byte[3];
        buffer.Slice(0, head.Length).CopyTo(head);
        return head.SequenceEqual(Utf8ByteOrderMark);
    }

    private static (SequencePosition Position, byte? First, long NewLines) FindFirstNonWhiteSpace(ReadOnlySequence<byte> buffer)
    {
        long offset = 0;
        long newLines = 0;
        foreach (var segment in buffer)
        {
            foreach (var value in segment.Span)
            {
                if (value == (byte)'\n')
                {
                    newLines++;
                }
                else if (value is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                {
                    return (buffer.GetPosition(offset), value, newLines);
                }

                offset++;
            }
        }

        return (buffer.End, null, newLines);
    }
}
