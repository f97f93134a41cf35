using System.Reflection;
using NSubstitute;

namespace Dreaming.Tests;

/// <summary>The two checks of a forwarding base class (<see cref="ForwardingTraceStore"/> and its siblings): that it
/// declares every member of its interface as an overridable method, and that each call reaches a substitute inner store as
/// one call of the same member with the same arguments and token.</summary>
internal static class ForwardingChecks
{
    /// <summary>Each member of <typeparamref name="TInterface"/> that <paramref name="type"/> does not declare as a public
    /// virtual (overridable) method.</summary>
    public static List<string> NotForwarded<TInterface>(Type type)
    {
        var map = type.GetInterfaceMap(typeof(TInterface));
        var problems = new List<string>();
        for (var i = 0; i < map.InterfaceMethods.Length; i++)
        {
            var (member, target) = (map.InterfaceMethods[i], map.TargetMethods[i]);
            if (target.DeclaringType != type)
            {
                problems.Add($"{member.Name} is not declared by {type.Name} (runs {target.DeclaringType?.Name}'s)");
            }
            else if (!target.IsPublic || !target.IsVirtual || target.IsFinal || target.IsAbstract)
            {
                problems.Add($"{member.Name} is not public virtual in {type.Name}");
            }
        }

        return problems;
    }

    /// <summary>Calls each member of <typeparamref name="TInterface"/> on the decorator and names those whose call did not
    /// reach the inner store as exactly one call of the same member with the same arguments and token.</summary>
    /// <param name="decorate">Makes the decorator around the substitute inner store.</param>
    /// <param name="sample">One value of a parameter type other than the token, a distinct instance the inner call must receive.</param>
    public static async Task<List<string>> UnreachedAsync<TInterface>(Func<TInterface, TInterface> decorate, Func<Type, object> sample)
        where TInterface : class
    {
        var inner = Substitute.For<TInterface>();
        var store = decorate(inner);
        using var cancellation = new CancellationTokenSource();
        var unreached = new List<string>();
        foreach (var member in typeof(TInterface).GetMethods())
        {
            inner.ClearReceivedCalls();
            var arguments = member.GetParameters().Select(p => p.ParameterType == typeof(CancellationToken) ? cancellation.Token : sample(p.ParameterType)).ToArray();
            if (member.Invoke(store, arguments) is IAsyncEnumerable<SessionWithEvents> stream)
            {
                await foreach (var unused in stream.WithCancellation(cancellation.Token))
                {
                }
            }

            var calls = inner.ReceivedCalls().ToList();
            if (calls.Count != 1 || calls[0].GetMethodInfo() != member)
            {
                unreached.Add($"{member.Name} reached the inner store as [{string.Join(", ", calls.Select(c => c.GetMethodInfo().Name))}]");
            }
            else if (!calls[0].GetArguments().SequenceEqual(arguments))
            {
                unreached.Add($"{member.Name} passed [{string.Join(", ", calls[0].GetArguments())}], not [{string.Join(", ", arguments)}]");
            }
        }

        return unreached;
    }
}
