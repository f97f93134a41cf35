using System.CommandLine;
using Dreaming.Cli.Model;
using Dreaming.Cli.Output;
using Microsoft.Extensions.AI;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming model [--check]</c>: shows the configured model and optionally sends it one short request.</summary>
internal static class ModelCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var check = new Option<bool>("--check") { Description = "Send one short request to the model and report the answer." };
        var command = new Command("model", "Show the model the tool would use (an OpenAI-compatible endpoint from the environment).") { check };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var settings = common.ModelSettings(parse);
            var json = parse.GetValue(common.Json);
            string? reply = null;
            if (parse.GetValue(check))
            {
                using var client = ModelClientFactory.TryCreate(settings)
                    ?? throw new InvalidOperationException("No model is configured, so there is nothing to check: " + settings.Describe());
                var response = await client.GetResponseAsync("Reply with the single word: ready", cancellationToken: ct).ConfigureAwait(false);
                reply = response.Text;
            }

            if (json)
            {
                CliJson.Write(output, new { configured = settings.IsConfigured, endpoint = settings.Endpoint is null ? null : ModelEndpointChatClient.SafeEndpoint(settings.Endpoint), model = settings.Model, apiKeySet = !string.IsNullOrEmpty(settings.ApiKey), timeoutSeconds = settings.Timeout?.TotalSeconds, reply });
            }
            else
            {
                output.WriteLine("model: " + settings.Describe());
                if (reply is not null)
                {
                    output.WriteLine("reply: " + reply);
                }
            }

            return 0;
        }).ConfigureAwait(false));
        return command;
    }
}
