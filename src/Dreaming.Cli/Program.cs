using Dreaming.Cli;

return await DreamingCommandLine.InvokeAsync(args, Console.Out, Console.Error, handleSignals: true).ConfigureAwait(false);
