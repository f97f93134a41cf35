using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Model;

namespace Dreaming.Cli;

/// <summary>The options every command takes: <c>--db</c>, <c>--json</c>, and the model settings <c>--model-endpoint</c>, <c>--model</c> and <c>--model-timeout</c>.</summary>
internal sealed class CommonOptions
{
    /// <summary>Reads the model settings: the environment, overridden by --model-endpoint, --model and --model-timeout.</summary>
    public ModelSettings ModelSettings(ParseResult parse)
    {
        var endpoint = parse.GetValue(ModelEndpoint);
        var model = parse.GetValue(Model);
        var timeout = parse.GetValue(ModelTimeout);
        return Dreaming.Cli.Model.ModelSettings.FromEnvironment(name => name switch
        {
            Dreaming.Cli.Model.ModelSettings.EndpointVariable when endpoint is not null => endpoint,
            Dreaming.Cli.Model.ModelSettings.ModelVariable when model is not null => model,
            Dreaming.Cli.Model.ModelSettings.TimeoutVariable when timeout is not null => timeout,
            _ => Environment.GetEnvironmentVariable(name),
        });
    }

    /// <summary>Makes <paramref name="option"/> refuse, as a parse error naming the option, its range and the value, a number
    /// outside <paramref name="min"/>..<paramref name="max"/> (rather than the library's message about a property the user
    /// never set).</summary>
    public static Option<int> InRange(Option<int> option, int min, int max)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value < min || value > max)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {min:N0} and {max:N0}; got {value}."));
            }
        });
        return option;
    }

    /// <summary>Makes an optional number <paramref name="option"/> refuse, as a parse error naming the option, a value below
    /// <paramref name="min"/>; leaving it out stays allowed.</summary>
    public static Option<int?> AtLeast(Option<int?> option, int min)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value < min)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be at least {min:N0}; got {value}."));
            }
        });
        return option;
    }

    public Option<string> Database { get; } = new("--db")
    {
        Description = "The SQLite database file (demo, import and orchestrate create it when missing).",
        DefaultValueFactory = _ => "dreaming.db",
        Recursive = true,
    };

    public Option<string?> ModelEndpoint { get; } = new("--model-endpoint")
    {
        Description = "An OpenAI-compatible endpoint for commands that use a model (overrides DREAMING_MODEL_ENDPOINT); the key comes from DREAMING_MODEL_API_KEY.",
        Recursive = true,
    };

    public Option<string?> Model { get; } = new("--model")
    {
        Description = "The model name at that endpoint (overrides DREAMING_MODEL).",
        Recursive = true,
    };

    public Option<string?> ModelTimeout { get; } = new("--model-timeout")
    {
        Description = "The seconds each try of a model call may take (overrides DREAMING_MODEL_TIMEOUT; 100 when unset).",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print machine-readable JSON instead of text.",
        Recursive = true,
    };
}
