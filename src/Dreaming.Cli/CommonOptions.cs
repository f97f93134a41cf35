using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Model;

namespace Dreaming.Cli;

/// <summary>The options every command takes: <c>--db</c> (or <c>DREAMING_DB</c>), <c>--json</c>, and the model settings <c>--model-endpoint</c>, <c>--model</c> and <c>--model-timeout</c>.</summary>
internal sealed class CommonOptions
{
    private readonly Func<string, string?> _environment;

    /// <summary>The environment variable naming the database file when <c>--db</c> is not given.</summary>
    public const string DatabaseVariable = "DREAMING_DB";

    /// <summary>The database file when neither <c>--db</c> nor <see cref="DatabaseVariable"/> names one.</summary>
    public const string DefaultDatabase = "dreaming.db";

    /// <summary>Creates the options, reading the environment through <paramref name="environment"/> (the process's when
    /// <see langword="null"/>).</summary>
    public CommonOptions(Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;

        // An explicit --db wins; DREAMING_DB (unless blank) replaces the default. The help shows the database in use as the
        // default, but as CliDatabase.Display names it: a connection string's password never reaches the help.
        var named = NamedDatabase();
        Database = new("--db")
        {
            HelpName = "PATH|CONNECTION",
            Description = $"The SQLite database file, or a PostgreSQL connection string (postgresql://... or Host=...;Database=...) (overrides {DatabaseVariable}, which demo never uses; demo, import and orchestrate create it when missing). [default: {ShownDefault(named)}]",
            Recursive = true,
        };
    }

    /// <summary>Gets the <c>--schema</c> option: the PostgreSQL schema of the stores.</summary>
    public Option<string?> Schema { get; } = new("--schema")
    {
        HelpName = "NAME",
        Description = "The PostgreSQL schema that holds the stores' tables, as the app's PostgresStoreOptions.Schema (default dreaming, or the connection string's Schema=...); only with a PostgreSQL --db.",
        Recursive = true,
    };

    /// <summary>The database <c>--db</c>, <see cref="DatabaseVariable"/> or the default names, with <c>--schema</c>.</summary>
    /// <exception cref="ArgumentException">A PostgreSQL connection string that cannot be read, or a bad schema; the
    /// message names the option, never the password.</exception>
    public CliDatabase DatabaseOf(ParseResult parse) =>
        CliDatabase.Parse(parse.GetResult(Database) is { Implicit: false } ? parse.GetValue(Database)! : NamedDatabase(), parse.GetValue(Schema));

    // DREAMING_DB unless blank, else the default.
    private string NamedDatabase() => _environment(DatabaseVariable) is { } value && !string.IsNullOrWhiteSpace(value) ? value : DefaultDatabase;

    // The value as the help shows it: a path as given, a connection string as host:port/database/schema.
    private static string ShownDefault(string value)
    {
        if (!CliDatabase.IsConnectionString(value))
        {
            return value;
        }

        try
        {
            return "PostgreSQL " + CliDatabase.Parse(value, null).Display;
        }
        catch (ArgumentException)
        {
            return $"a PostgreSQL connection string from {DatabaseVariable} that cannot be read";
        }
    }

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
            _ => _environment(name),
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

    /// <summary>Makes a scope or id <paramref name="option"/> refuse, as a parse error naming the option, a value with half a
    /// surrogate pair (a lone U+D800-U+DFFF): the database keeps text as UTF-8, which would store it as U+FFFD, so two such ids
    /// would share one memory and one set of sessions; the library refuses them where sessions start.</summary>
    public static Option<string?> WholeCharacters(Option<string?> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && UnpairedSurrogates.IndexOf(value) is var at and >= 0)
            {
                result.AddError(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{option.Name} has half a character (an unpaired surrogate, U+{(int)value[at]:X4}) at index {at}; the database keeps ids as UTF-8, where it would become U+FFFD and could name another scope."));
            }
        });
        return option;
    }

    /// <summary>Makes <paramref name="option"/> refuse, as a parse error naming the option, a value that is no id (what
    /// <see cref="SessionImportOptions"/> would refuse naming its property): half a surrogate pair
    /// (<see cref="WholeCharacters"/>), a control character or more than <see cref="SessionRecord.MaxIdLength"/> characters.</summary>
    public static Option<string?> Id(Option<string?> option)
    {
        WholeCharacters(option);
        option.Validators.Add(result =>
        {
            // Half a surrogate pair is reported once, by WholeCharacters.
            if (result.GetValueOrDefault<string?>() is { } value && UnpairedSurrogates.IndexOf(value) < 0 && AgentIds.Problem(value, option.Name) is { } problem)
            {
                result.AddError(problem);
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

    /// <summary>Makes <paramref name="option"/> take the values of <typeparamref name="T"/> as typed on the command line,
    /// in kebab case (<c>stop-run</c>, <c>running</c>), and show them so in the help; case, '-' and '_' are ignored, so the
    /// enum's own names (<c>StopRun</c>) are taken too. Any other value is a parse error naming the option, the values and
    /// the value given. The option is left out as <see langword="null"/>: the help shows <paramref name="shownDefault"/>,
    /// in kebab case, as the default, which the command applies.</summary>
    public static Option<T?> Choice<T>(Option<T?> option, T? shownDefault = null)
        where T : struct, Enum
    {
        option.CustomParser = result => ParseChoice<T>(result, option.Name);
        var names = Enum.GetValues<T>().Select(ChoiceName).ToArray();
        option.HelpName = string.Join('|', names);
        option.CompletionSources.Clear();
        option.CompletionSources.Add(names);
        if (shownDefault is { } value)
        {
            // The help's own "[default: X]" would show the enum's name (StopRun), which is not what is typed.
            option.Description += $" [default: {ChoiceName(value)}]";
        }

        return option;
    }

    /// <summary>A value of <typeparamref name="T"/> as typed on the command line: <c>StopRun</c> is <c>stop-run</c>.</summary>
    public static string ChoiceName<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        var text = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private static T? ParseChoice<T>(System.CommandLine.Parsing.ArgumentResult result, string optionName)
        where T : struct, Enum
    {
        var given = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        var key = given.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        foreach (var value in Enum.GetValues<T>())
        {
            if (key.Length > 0 && string.Equals(key, value.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        result.AddError($"{optionName} must be one of {string.Join(", ", Enum.GetValues<T>().Select(ChoiceName))}; got '{given}'.");
        return null;
    }

    /// <summary>Gets the <c>--db</c> option; read it with <see cref="DatabaseOf"/>, which applies the environment.</summary>
    public Option<string?> Database { get; }

    /// <summary>The database for a command that writes simulated data (<c>demo</c>): the SQLite file <c>--db</c> names, else
    /// <see cref="DefaultDatabase"/>, never the one <see cref="DatabaseVariable"/> names, which is usually an app's.</summary>
    /// <exception cref="ArgumentException"><c>--db</c> is not given and <see cref="DatabaseVariable"/> is set, or it names a
    /// PostgreSQL database.</exception>
    public string DatabaseForSimulatedData(ParseResult parse, string command)
    {
        if (parse.GetResult(Database) is { Implicit: false } || parse.GetValue(Schema) is not null)
        {
            var given = parse.GetValue(Database) ?? DefaultDatabase;
            return CliDatabase.IsConnectionString(given) || parse.GetValue(Schema) is not null
                ? throw new ArgumentException($"'dreaming {command}' writes simulated sessions and memory into a SQLite file: pass --db with the path of a file for the {command}, not a PostgreSQL database (nor --schema).")
                : given;
        }

        return _environment(DatabaseVariable) is { } named && !string.IsNullOrWhiteSpace(named)
            ? throw new ArgumentException($"'dreaming {command}' writes simulated sessions and memory, so it does not take its database from {DatabaseVariable} ('{ShownDefault(named)}'): pass --db with the path of a database for the {command}.")
            : DefaultDatabase;
    }

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
