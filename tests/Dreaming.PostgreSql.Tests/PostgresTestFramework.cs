using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestFramework("Dreaming.PostgreSql.Tests.PostgresTestFramework", "Dreaming.PostgreSql.Tests")]

namespace Dreaming.PostgreSql.Tests;

/// <summary>The xunit framework of this assembly: every test needs a PostgreSQL server, so without one
/// (<see cref="PostgresTestServer.ConnectionString"/> is not set) every test is reported as skipped, with the reason,
/// instead of failing; <c>dotnet test</c> then works on a machine with only the .NET SDK. xunit 2 has no dynamic skip,
/// and the conformance suites' inherited <c>[Fact]</c>s cannot take a skipping attribute, so the skip is made here, at
/// discovery.</summary>
public sealed class PostgresTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo) =>
        new Discoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Discoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkDiscoverer(assemblyInfo, sourceProvider, diagnosticMessageSink)
    {
        protected override bool FindTestsForMethod(ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
        {
            if (PostgresTestServer.SkipReason is not { } reason)
            {
                return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
            }

            using var skipping = new SkippingBus(messageBus, reason, DiagnosticMessageSink, discoveryOptions);
            return base.FindTestsForMethod(testMethod, includeSourceInformation, skipping, discoveryOptions);
        }
    }

    /// <summary>Passes the discovered test cases on as skipped ones.</summary>
    private sealed class SkippingBus(IMessageBus inner, string reason, IMessageSink diagnosticMessageSink, ITestFrameworkDiscoveryOptions options) : IMessageBus
    {
        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestCaseDiscoveryMessage { TestCase: var testCase } && string.IsNullOrEmpty(testCase.SkipReason))
            {
                var skipped = new XunitSkippedDataRowTestCase(
                    diagnosticMessageSink,
                    options.MethodDisplayOrDefault(),
                    options.MethodDisplayOptionsOrDefault(),
                    testCase.TestMethod,
                    reason,
                    testCase.TestMethodArguments);
                return inner.QueueMessage(new TestCaseDiscoveryMessage(skipped));
            }

            return inner.QueueMessage(message);
        }

        public void Dispose()
        {
        }
    }
}
