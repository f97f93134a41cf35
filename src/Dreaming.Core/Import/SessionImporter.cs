using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>Imports existing agent logs (OpenAI chat transcripts, Anthropic Messages requests and responses, or Microsoft.Extensions.AI <c>ChatMessage</c> JSON, as a JSON array or JSON Lines) into a trace store as completed sessions.</summary>
/// <remarks>
/// <para>A source is read whole, then written in one <see cref="ITraceStore.ImportAsync"/> call, so an import either
/// writes every readable session or nothing. The store skips sessions whose id it already holds, and sessions without
/// an id get one derived from the source name and their position, so importing the same file again adds nothing. A log's
/// id longer than <see cref="SessionRecord.MaxIdLength"/> is stored capped; one a build before the cap stored whole is
/// looked up (<see cref="ITraceStore.GetSessionAsync"/>) before the store call and skipped when found.</para>
/// <para>See <see cref="SessionLogReader"/> for the formats, and <see cref="SessionImportOptions"/> for the field mapping.</para>
/// <para>Thread-safe: imports may run concurrently; each one reads its own source.</para>
/// </remarks>
public sealed partial class SessionImporter
{
    private readonly ITraceStore _store;
    private readonly SessionLogReader _reader;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="store">The store the sessions are written to.</param>
    /// <param name="timeProvider">The clock that stamps sessions without a start time; by default the system clock.</param>
    /// <param name="contentFilter">
    /// Applied to every text, tool argument, tool result, task and metadata value before it is stored, such as a redactor;
    /// by default none.
    /// </param>
    /// <param name="costOf">
    /// Prices each saved model response's usage as <see cref="DreamingOptions.CostOf"/> prices a live call (the importer
    /// <c>AddDreamingAgents</c> registers is given the host's); by default none, and the cost is 0. A price that throws
    /// or is negative is 0, and is logged to <paramref name="logger"/>.
    /// </param>
    /// <param name="logger">Told of a <paramref name="costOf"/> that fails, once per kind of failure in an import; by default none.</param>
    public SessionImporter(ITraceStore store, TimeProvider? timeProvider = null, Func<string, string>? contentFilter = null, Func<ModelCallUsage, long>? costOf = null, ILogger<SessionImporter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _reader = new SessionLogReader(timeProvider, contentFilter) { CostOf = costOf, Logger = logger };
    }

    /// <summary>Imports the sessions of a file.</summary>
    /// <param name="path">The path of the file; its file name is the source name (see <see cref="ImportAsync"/>).</param>
    /// <param name="options">How to map the session objects; by default <see cref="SessionImportOptions"/> as constructed.</param>
    /// <param name="cancellationToken">Cancels the import; nothing is written when it is cancelled before the store call.</param>
    /// <returns>What was read and written.</returns>
    /// <exception cref="ArgumentException">The path is blank, or an option is invalid.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SessionImportException">The file is not a session log, or, with <see cref="ImportErrorHandling.Atomic"/>, an element is malformed; nothing was written.</exception>
    public async Task<ImportResult> ImportFileAsync(string path, SessionImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new SessionImportOptions();
        options.Validate();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The file to import, '{path}', does not exist.", path);
        }

        // The reader buffers through a pipe, so a second buffer in the file stream would only copy twice.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await ImportAsync(stream, Path.GetFileName(path), options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Imports the sessions of a stream.</summary>
    /// <param name="stream">The source, read from its current position to its end; it is left open.</param>
    /// <param name="sourceName">
    /// The name of the source, usually the file name: errors and session metadata name it, and ids derived for sessions
    /// without one depend on it, so use the same name to re-import the same source.
    /// </param>
    /// <param name="options">How to map the session objects; by default <see cref="SessionImportOptions"/> as constructed.</param>
    /// <param name="cancellationToken">Cancels the import; nothing is written when it is cancelled before the store call.</param>
    /// <returns>What was read and written.</returns>
    /// <exception cref="ArgumentException">The source name is blank, or an option is invalid.</exception>
    /// <exception cref="SessionImportException">The source is not a session log, or, with <see cref="ImportErrorHandling.Atomic"/>, an element is malformed; nothing was written.</exception>
    public async Task<ImportResult> ImportAsync(Stream stream, string sourceName, SessionImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        var sessions = new List<SessionWithEvents>();
        var read = 0;
        var errors = new List<ImportError>();
        long events = 0;
        long toolCalls = 0;
        long toolErrors = 0;
        long unknownBlocks = 0;
        await foreach (var item in _reader.ReadAsync(stream, sourceName, options, cancellationToken).ConfigureAwait(false))
        {
            if (!item.Succeeded)
            {
                errors.Add(item.Error);
                continue;
            }

            read++;
            events += item.Session.Events.Count;
            unknownBlocks += item.UnknownBlocks;
            foreach (var sessionEvent in item.Session.Events)
            {
                switch (sessionEvent)
                {
                    case ToolCallEvent:
                        toolCalls++;
                        break;
                    case ToolResultEvent { IsError: true }:
                        toolErrors++;
                        break;
                }
            }

            // A log's id past the cap is stored capped; a build before the cap stored it whole, so a log that build imported
            // is found by that id too (one lookup a long id, none for the others) and is not imported a second time.
            if (item.UncappedId is { } uncapped && await _store.GetSessionAsync(uncapped, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            sessions.Add(item.Session);
        }

        // Nothing is written until the whole source has been read: a malformed element found late must not leave half an import behind.
        var imported = sessions.Count == 0 ? 0 : await _store.ImportAsync(sessions, cancellationToken).ConfigureAwait(false);
        return new ImportResult
        {
            SourceName = sourceName,
            Sessions = read,
            Imported = imported,
            Events = events,
            ToolCalls = toolCalls,
            ToolErrors = toolErrors,
            UnknownBlocks = unknownBlocks,
            Errors = errors,
        };
    }

    [LoggerMessage(EventId = 99, Level = LogLevel.Warning, Message = "DreamingOptions.CostOf failed to price a saved response of model {ModelId} by agent {AgentId} in session {SessionId} of {SourceName}; it is imported with cost 0. Later failures of this type in this import are not logged.")]
    internal static partial void LogPricingFailed(ILogger logger, string? modelId, string agentId, string sessionId, string sourceName, Exception exception);
}
