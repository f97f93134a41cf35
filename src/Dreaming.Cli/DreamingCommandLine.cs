using System.CommandLine;
using Dreaming.Cli.Commands;
using Dreaming.Cli.Output;

namespace Dreaming.Cli;

/// <summary>The <c>dreaming</c> command tree.</summary>
internal static class DreamingCommandLine
{
    /// <summary>How long a command has, after Ctrl+C (SIGINT) or SIGTERM, to stop cleanly (end its sessions, release its
    /// dream lease, print "canceled") before the process exits with 130 anyway.</summary>
    internal static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(5);

    /// <summary>Parses <paramref name="args"/> and runs the command they name.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="handleSignals">Whether Ctrl+C (SIGINT) and SIGTERM cancel the command (the process does; tests in the
    /// same process do not).</param>
    /// <param name="environment">Reads an environment variable (<see cref="Model.ModelSettings.Variables"/>); the process's
    /// environment when <see langword="null"/>. Tests pass their own, so a developer's DREAMING_MODEL and the like do not
    /// reach them.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, bool handleSignals = false, Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        // Recorded data (imported logs, agent output, ids) may hold terminal escape sequences: they reach the user as '?'.
        var safeOutput = new TerminalSafeWriter(output);
        var safeError = new TerminalSafeWriter(error);
        try
        {
            // Synchronized, as Console.Out is: a command may write from more than one thread.
            return await InvokeCoreAsync(args, TextWriter.Synchronized(safeOutput), TextWriter.Synchronized(safeError), handleSignals, environment, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            safeOutput.Complete();
            safeError.Complete();
        }
    }

    /// <summary>Builds the command tree: every command, with the options all of them take.</summary>
    /// <param name="common">The options all commands take.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <returns>The root command.</returns>
    internal static RootCommand CreateRoot(CommonOptions common, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("dreaming: record, import and inspect the sessions your AI agents run, so they can learn between sessions.");
        root.Options.Add(common.Database);
        root.Options.Add(common.Schema);
        root.Options.Add(common.Json);
        root.Options.Add(common.ModelEndpoint);
        root.Options.Add(common.Model);
        root.Options.Add(common.ModelTimeout);
        root.Subcommands.Add(DemoCommand.Create(common, output, error));
        root.Subcommands.Add(ImportCommand.Create(common, output, error));
        root.Subcommands.Add(SessionsCommand.Create(common, output, error));
        root.Subcommands.Add(SessionCommand.Create(common, output, error));
        root.Subcommands.Add(SessionCommand.CreateInspect(common, output, error));
        root.Subcommands.Add(PurgeCommand.Create(common, output, error));
        root.Subcommands.Add(ReportCommand.Create(common, output, error));
        root.Subcommands.Add(GradeCommand.Create(common, output, error));
        root.Subcommands.Add(DreamCommand.Create(common, output, error));
        root.Subcommands.Add(RunsCommand.Create(common, output, error));
        root.Subcommands.Add(MemoryCommand.Create(common, output, error));
        root.Subcommands.Add(ModelCommand.Create(common, output, error));
        root.Subcommands.Add(WebhooksCommand.Create(common, output, error));
        root.Subcommands.Add(OrchestrateCommand.Create(common, output, error));
        root.Subcommands.Add(ViewCommand.Create(common, output, error));

        return root;
    }

    private static async Task<int> InvokeCoreAsync(string[] args, TextWriter output, TextWriter error, bool handleSignals, Func<string, string?>? environment, CancellationToken cancellationToken)
    {
        var common = new CommonOptions(environment);
        var root = CreateRoot(common, output, error);
        var parsed = root.Parse(args, s_parser);
        // Without a termination timeout System.CommandLine registers no signal handler: Ctrl+C would kill the process
        // and leave its sessions running and its dream lease held.
        // A parse error prints the error and the usage help, the help on standard output: with --json, a script reading
        // standard output as JSON would get text, so there it goes to standard error with the error.
        var helpOutput = parsed.Errors.Count > 0 && WantsJson(parsed, common) ? error : output;
        var configuration = new InvocationConfiguration { Output = helpOutput, Error = error, ProcessTerminationTimeout = handleSignals ? StopGracePeriod : null };
        return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    // An argument starting with '@' names a response file (a file of arguments), as System.CommandLine reads it by default,
    // so a value that starts with '@' (memory edit --add "@support …") was refused with only "Response file not found
    // 'support …'."; the message now says why and how to give such a value: attached to its option (--add=@…), which the
    // parser does not read as a file.
    private static readonly ParserConfiguration s_parser = ResponseFilesExplained(new ParserConfiguration());

    private static ParserConfiguration ResponseFilesExplained(ParserConfiguration configuration)
    {
        if (configuration.ResponseFileTokenReplacer is { } read)
        {
            configuration.ResponseFileTokenReplacer = (string token, out IReadOnlyList<string>? replacement, out string? problem) =>
            {
                if (read(token, out replacement, out problem))
                {
                    return true;
                }

                problem = $"{problem} An argument starting with '@' names a file of arguments; to give a value that starts with '@', attach it to its option with '=' (--note=@{token}, not --note @{token}).";
                return false;
            };
        }

        return configuration;
    }

    // --json as parsed, unless given as --json false (or --json:false), or, when the error stopped the parser before it (an
    // unknown command), as a token of its own (not the value of an option that takes one, which the parser has then
    // consumed).
    private static bool WantsJson(ParseResult parsed, CommonOptions common) =>
        parsed.GetResult(common.Json) is { Implicit: false } json
            ? json.Tokens.Count == 0 || !bool.TryParse(json.Tokens[^1].Value, out var on) || on
            : parsed.UnmatchedTokens.Contains(common.Json.Name, StringComparer.Ordinal);
}
