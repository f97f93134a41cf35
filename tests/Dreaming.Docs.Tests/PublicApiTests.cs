using System.Collections;
using System.Reflection;
using Dreaming.AgentFramework;
using Dreaming.AgentView;
using Dreaming.PostgreSql;
using Dreaming.Sqlite;
using Dreaming.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dreaming.Docs.Tests;

/// <summary>The shape of the public API of every shipped library, as an adopter meets it: asynchronous members take a
/// <see cref="CancellationToken"/>, there is no public mutable static state, and every numeric option out of range is
/// refused when it is set up or the host starts, by a message naming the option.</summary>
/// <remarks>Here because this project references every library package the way an app does (the docs' snippets compile
/// against them all); the tool, which no app compiles against, is left out.</remarks>
public sealed class PublicApiTests
{
    private static readonly Assembly[] Shipped =
    [
        typeof(ITraceStore).Assembly,                   // Dreaming.Abstractions
        typeof(DreamingOptions).Assembly,               // Dreaming.Core
        typeof(SqliteTraceStoreOptions).Assembly,       // Dreaming.Sqlite
        typeof(PostgresStoreOptions).Assembly,          // Dreaming.PostgreSql
        typeof(AgentViewOptions).Assembly,              // Dreaming.AgentView
        typeof(DreamingAgentSessionOptions).Assembly,   // Dreaming.AgentFramework
        typeof(TraceStoreConformanceTests).Assembly,    // Dreaming.Testing
    ];

    [Fact]
    public void Every_public_asynchronous_member_takes_a_cancellation_token()
    {
        // Exempt: DisposeAsync (IAsyncDisposable and xunit's IAsyncLifetime fix its signature) and the conformance
        // suites' test methods, which xunit 2 calls without arguments, with the protected members they call to make
        // their store (CreateStoreAsync, TrackAsync), which have no token to pass on. Protected members of a type an app
        // can derive from are checked as public ones are: a deriving store overrides or calls them.
        var missing = PublicMethods()
            .Where(method => IsAsynchronous(method.ReturnType))
            .Where(method => method.Name != nameof(IAsyncDisposable.DisposeAsync))
            .Where(method => !(method.Name == nameof(IAsyncLifetime.InitializeAsync) && typeof(IAsyncLifetime).IsAssignableFrom(method.DeclaringType)))
            .Where(method => method.GetCustomAttribute<FactAttribute>() is null)
            .Where(method => !(method.IsFamily && method.DeclaringType!.Assembly == typeof(TraceStoreConformanceTests).Assembly))
            .Where(method => !method.GetParameters().Any(parameter => parameter.ParameterType == typeof(CancellationToken)))
            .Select(Describe)
            .ToList();

        Assert.True(missing.Count == 0, "These public members return a task or an async stream but take no CancellationToken:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void Every_public_asynchronous_members_cancellation_token_is_optional()
    {
        // As in Microsoft.Extensions.AI and the library's own stores: a caller with no token to pass writes none. Exempt:
        // overrides of a base class's member that has no default (BackgroundService.ExecuteAsync).
        var required = PublicMethods()
            .Where(method => IsAsynchronous(method.ReturnType))
            .Where(method => method.GetBaseDefinition() == method)
            .Where(method => method.GetParameters().Any(parameter => parameter.ParameterType == typeof(CancellationToken) && !parameter.HasDefaultValue))
            .Select(Describe)
            .ToList();

        Assert.True(required.Count == 0, "These public members take a CancellationToken with no default value:\n" + string.Join("\n", required));
    }

    [Fact]
    public void No_public_static_state_can_be_changed()
    {
        var mutable = new List<string>();
        foreach (var type in Shipped.SelectMany(assembly => assembly.GetExportedTypes()))
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (!field.IsLiteral && !field.IsInitOnly)
                {
                    mutable.Add($"{type.FullName}.{field.Name} (a static field that is not read-only)");
                }
                else if (field.IsInitOnly && IsChangeableCollection(field.GetValue(null)))
                {
                    mutable.Add($"{type.FullName}.{field.Name} (a read-only static field holding a collection that can be changed)");
                }
            }

            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (property.SetMethod is { IsPublic: true } or { IsFamily: true } or { IsFamilyOrAssembly: true })
                {
                    mutable.Add($"{type.FullName}.{property.Name} (a static property with a setter)");
                }
                else if (property.GetIndexParameters().Length == 0 && property.GetValue(null) is { } value
                    && ReferenceEquals(value, property.GetValue(null)) && IsChangeableCollection(value))
                {
                    // One collection handed to every caller (a new one on each read changes nothing shared).
                    mutable.Add($"{type.FullName}.{property.Name} (a static property returning the same collection that can be changed)");
                }
            }
        }

        Assert.True(mutable.Count == 0, "Public static state an app could change for every other user of the library:\n" + string.Join("\n", mutable));
    }

    [Fact]
    public void Every_options_class_with_numeric_settings_is_checked_here()
    {
        // An options class added without a registration below would ship without its numeric settings being checked.
        var uncovered = NumericOptions().Select(option => option.Type).Distinct().Where(type => !Registrations.ContainsKey(type)).Select(type => type.FullName).ToList();

        Assert.True(uncovered.Count == 0, "Add a registration to PublicApiTests.Registrations for " + string.Join(", ", uncovered));
    }

    [Theory]
    [MemberData(nameof(NumericOptionCases))]
    public async Task A_numeric_option_out_of_range_is_refused_naming_it(string type, string property)
    {
        var option = NumericOptions().Single(o => o.Type.Name == type && o.Property.Name == property);
        var value = OutOfRange(option.Property.PropertyType);

        var error = await Record.ExceptionAsync(() => Registrations[option.Type](options => option.Property.SetValue(options, value)));

        Assert.True(error is not null, $"{type}.{property} = {value} was taken: neither setting it up nor the host's start refused it.");
        Assert.True(error is ArgumentException or OptionsValidationException, $"{type}.{property} = {value} failed with {error.GetType().Name}, not a validation error: {error.Message}");
        Assert.Contains($"{type}.{property}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(NumericOptionCases))]
    public async Task A_numeric_option_at_its_largest_value_is_taken_or_refused_naming_it(string type, string property)
    {
        // int.MaxValue or TimeSpan.MaxValue is what an app writes for "never" or "no limit": the option takes it (and it
        // means that) or refuses it by name when it is set up or the host starts, never an overflow from adding it to a time.
        var option = NumericOptions().Single(o => o.Type.Name == type && o.Property.Name == property);
        var value = Largest(option.Property.PropertyType);

        var error = await Record.ExceptionAsync(() => Registrations[option.Type](options => option.Property.SetValue(options, value)));

        Assert.True(
            error is null || (error is ArgumentException or OptionsValidationException && error.Message.Contains($"{type}.{property}", StringComparison.Ordinal)),
            $"{type}.{property} = {value} failed with {error?.GetType().Name}, not a validation error naming it: {error?.Message}");
    }

    public static TheoryData<string, string> NumericOptionCases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var (type, property) in NumericOptions())
        {
            cases.Add(type.Name, property.Name);
        }

        return cases;
    }

    /// <summary>How an app sets up each options class, applying <c>configure</c> to it, up to the host's start (or the call
    /// that validates it): throws what the app would see for a bad value.</summary>
    private static readonly Dictionary<Type, Func<Action<object>, Task>> Registrations = new()
    {
        [typeof(DreamingOptions)] = configure => StartAsync(services => services.AddDreamingAgents(o => configure(o))),
        [typeof(CurationOptions)] = configure => StartAsync(services => services.AddDreamingAgents().Services.Configure<CurationOptions>(o => configure(o))),
        [typeof(MiningOptions)] = configure => StartAsync(services => services.AddDreamingAgents().Services.Configure<MiningOptions>(o => configure(o))),
        [typeof(DreamSchedulerOptions)] = configure => StartAsync(services =>
        {
            services.AddDreamingAgents().AddDreamSchedule("bot", "0 3 * * *");
            services.Configure<DreamSchedulerOptions>(o => configure(o));
        }),
        [typeof(OrchestratorOptions)] = configure => StartAsync(services => services.AddDreamingAgents().AddOrchestrator(o => configure(o))),
        [typeof(ModelGraderOptions)] = configure => StartAsync(services => services.AddDreamingAgents().AddGrader(new NoModel(), o => configure(o))),
        [typeof(SessionRetentionOptions)] = configure => StartAsync(services => services.AddDreamingAgents().AddSessionRetention(TimeSpan.FromDays(30), o => configure(o))),
        [typeof(WebhookOptions)] = configure => StartAsync(services => services.AddDreamingAgents().AddWebhooks(o =>
        {
            o.AddEndpoint("https://ci.example.com/hooks/dreaming", WebhookSecret.Generate());
            configure(o);
        })),
        [typeof(SqliteTraceStoreOptions)] = configure => StartAsync(services => services.AddDreamingAgents()
            .UseSqliteStore("Data Source=" + Path.Combine(Path.GetTempPath(), $"dreaming-api-{Guid.NewGuid():N}.db"), o => configure(o))),
        // Port 1: a value the validation let through would fail the start by the connection instead, not naming the option.
        [typeof(PostgresStoreOptions)] = configure => StartAsync(services => services.AddDreamingAgents()
            .UsePostgresStore("Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=1", o => configure(o))),
        [typeof(AgentViewOptions)] = async configure =>
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Services.AddDreamingAgents();
            builder.Services.AddAuthentication().AddCookie();
            builder.Services.AddAuthorization();
            await using var app = builder.Build();
            app.MapDreamingAgentView("/dreaming", o => configure(o));
        },
        [typeof(SessionImportOptions)] = configure =>
        {
            var options = new SessionImportOptions();
            configure(options);
            options.Validate();
            return Task.CompletedTask;
        },
    };

    private static async Task StartAsync(Action<IServiceCollection> register)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        register(builder.Services);
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }

    /// <summary>A value no numeric option takes: negative (never infinite: -1 ms is <see cref="Timeout.InfiniteTimeSpan"/>,
    /// which some timeouts take), and NaN for a floating-point one.</summary>
    private static object OutOfRange(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) => -5,
        var t when t == typeof(long) => -5L,
        var t when t == typeof(double) => double.NaN,
        var t when t == typeof(float) => float.NaN,
        var t when t == typeof(TimeSpan) => TimeSpan.FromSeconds(-5),
        var t => throw new NotSupportedException($"No out-of-range value for {t.Name}."),
    };

    private static object Largest(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) => int.MaxValue,
        var t when t == typeof(long) => long.MaxValue,
        var t when t == typeof(double) => double.MaxValue,
        var t when t == typeof(float) => float.MaxValue,
        var t when t == typeof(TimeSpan) => TimeSpan.MaxValue,
        var t => throw new NotSupportedException($"No largest value for {t.Name}."),
    };

    private static IEnumerable<(Type Type, PropertyInfo Property)> NumericOptions() =>
        Shipped.SelectMany(assembly => assembly.GetExportedTypes())
            .Where(type => type.IsClass && type.Name.EndsWith("Options", StringComparison.Ordinal))
            .SelectMany(type => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(property => property.SetMethod is { IsPublic: true } && IsNumeric(property.PropertyType))
                .Select(property => (type, property)))
            .OrderBy(option => option.type.FullName, StringComparer.Ordinal).ThenBy(option => option.property.Name, StringComparer.Ordinal);

    private static bool IsNumeric(Type type) => (Nullable.GetUnderlyingType(type) ?? type) is var t
        && (t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(float) || t == typeof(TimeSpan)
            || (t.IsPrimitive && t != typeof(bool) && t != typeof(char)) || t == typeof(decimal));

    // The public members of every exported type, and the protected ones of a type that can be derived from.
    private static IEnumerable<MethodInfo> PublicMethods() =>
        Shipped.SelectMany(assembly => assembly.GetExportedTypes())
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(method => method.IsPublic || (!type.IsSealed && (method.IsFamily || method.IsFamilyOrAssembly))))
            .Where(method => !method.IsSpecialName);

    private static bool IsAsynchronous(Type type) =>
        type == typeof(Task) || type == typeof(ValueTask)
        || (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Task<>) || definition == typeof(ValueTask<>) || definition == typeof(IAsyncEnumerable<>)));

    private static bool IsChangeableCollection(object? value) => value switch
    {
        null or string => false,
        Array => true,
        IList list => !list.IsReadOnly,
        IDictionary dictionary => !dictionary.IsReadOnly,
        _ => value.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollection<>)
            && !(bool)i.GetProperty(nameof(ICollection<int>.IsReadOnly))!.GetValue(value)!),
    };

    private static string Describe(MethodInfo method) =>
        $"{method.DeclaringType!.FullName}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name + " " + p.Name))})";

    /// <summary>A grader model that is never called: registering the grader validates its options.</summary>
    private sealed class NoModel : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
