using System.CommandLine;
using Dreaming.Cli.Commands;

namespace Dreaming.Cli;

/// <summary>The <c>dreaming</c> command tree.</summary>
internal static class DreamingCommandLine
{
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var common = new CommonOptions();
        var root = new RootCommand("dreaming: record, import and inspect the sessions your AI agents run, so they can learn between sessions.");
        root.Options.Add(common.Database);
        root.Options.Add(common.Json);
        root.Options.Add(common.ModelEndpoint);
        root.Options.Add(common.Model);
        root.Subcommands.Add(DemoCommand.Create(common, output, error));
        root.Subcommands.Add(ImportCommand.Create(common, output, error));
        root.Subcommands.Add(SessionsCommand.Create(common, output, error));
        root.Subcommands.Add(SessionCommand.Create(common, output, error));
        root.Subcommands.Add(GradeCommand.Create(common, output, error));
        root.Subcommands.Add(DreamCommand.Create(common, output, error));
        root.Subcommands.Add(MemoryCommand.Create(common, output, error));
        root.Subcommands.Add(ModelCommand.Create(common, output, error));
        root.Subcommands.Add(WebhooksCommand.Create(common, output, error));
        root.Subcommands.Add(OrchestrateCommand.Create(common, output, error));

        var parsed = root.Parse(args);
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }
}
