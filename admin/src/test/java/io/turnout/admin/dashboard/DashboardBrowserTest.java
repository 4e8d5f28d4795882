package io.turnout.admin.dashboard;

import io.turnout.admin.TurnoutProcess;
import io.turnout.admin.config.ClusterSpec;
import io.turnout.admin.config.ConfigServiceSpec;
import io.turnout.admin.config.ServerSpec;
import io.turnout.admin.config.TurnoutConfig;
import io.turnout.admin.demo.DemoTraffic;
import io.turnout.admin.support.BrowserPage;
import io.turnout.admin.support.HeadlessChromium;
import io.turnout.admin.support.Screenshots;
import io.turnout.engine.settings.ProxySettings;
import io.turnout.engine.testsupport.Await;
import io.turnout.engine.testsupport.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SPEC §13 in a real browser: Debian's headless Chromium, driven over the DevTools protocol,
 * looks at the dashboard of a Turnout running here (proxy, admin API and sampler as the launcher
 * wires them), while versions come and go under load.
 *
 * <p>Skipped when Chromium is not installed, unless {@code TURNOUT_BROWSER_TESTS=1} (as
 * {@code .ci/run} sets after installing it) makes that a failure. With
 * {@code TURNOUT_SCREENSHOTS=docs} the tests also save the README's pictures, after letting the
 * traffic run long enough to fill the chart.
 */
class DashboardBrowserTest {
    /** The load's rate: enough for every second of the chart to have traffic, small for a 2-core machine. */
    private static final int LOAD_PER_SECOND = 50;
    private static final Duration LOAD_LIMIT = Duration.ofMinutes(2);

    private static HeadlessChromium browser;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> running = new ArrayList<>();
    private TurnoutProcess turnout;
    private BrowserPage page;

    @BeforeAll
    static void launchBrowser() {
        Optional<Path> chromium = HeadlessChromium.executable();
        if (chromium.isEmpty() && "1".equals(System.getenv(HeadlessChromium.REQUIRED_ENV))) {
            fail(HeadlessChromium.REQUIRED_ENV + "=1 but no chromium on the PATH; apt-get install -y chromium");
        }
        assumeTrue(chromium.isPresent(), "Chromium is not installed: the dashboard's browser tests are skipped "
                + "(apt-get install -y chromium to run them; .ci/run installs it)");
        browser = HeadlessChromium.launch(chromium.get());
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (page != null) {
            page.close();
        }
        for (AutoCloseable c : running) {
            c.close();
        }
        if (turnout != null) {
            turnout.stop();
        }
    }

    // ---- the checks ---------------------------------------------------------------------------

    @Test
    void thePageLoadsWithNoConsoleErrorAndShowsTheLiveVersion() {
        TestBackend v1 = backend("1.0");
        start(null, v1);
        open();
        String uuid = turnout.catalog().snapshot().newest().uuid();
        Await.until("the card of 1.0", Duration.ofSeconds(5), () -> page.test(card(uuid)));
        assertEquals("INSTANT", page.text(card(uuid) + ".querySelector('.mode').textContent"));
        assertEquals("127.0.0.1:" + v1.port(), page.text(card(uuid) + ".querySelector('.servers .address').textContent"));
        assertEquals(60L, ((Number) page.evaluate("document.querySelectorAll('#chart .column').length")).longValue());
        // Two refreshes more, so an error in the redraw would be seen too.
        String first = page.text("document.getElementById('live').textContent");
        Await.until("two more refreshes", Duration.ofSeconds(5),
                () -> !page.text("document.getElementById('live').textContent").equals(first));
        assertEquals(List.of(), page.consoleErrors());
    }

    @Test
    void aVersionAddedByPutAppearsWithinTwoSeconds() {
        start(null, backend("1.0"));
        open();
        Await.until("the first card", Duration.ofSeconds(5), () -> page.test("document.querySelector('.card')"));
        String uuid = put("{\"cluster\": {\"version\": \"2.0\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": "
                + backend("2.0").port() + "}], \"upgradeTransition\": {\"mode\": \"SESSION\", \"sessionTimeout\": 60}}}");
        Await.until("the card of 2.0 on the page", Duration.ofSeconds(2), () -> page.test(card(uuid)));
        assertEquals("2.0", page.text("document.querySelector('.card').dataset.version"), "newest first");
        assertEquals("SESSION", page.text(card(uuid) + ".querySelector('.mode').textContent"));
        Await.until("the upgrade in the timeline", Duration.ofSeconds(2),
                () -> page.test(timelineEntry("UPGRADE", "2.0")));
        assertEquals(List.of(), page.consoleErrors());
    }

    @Test
    void gradualShareGrowsUnderLoad() {
        start(null, backend("1.0"));
        open();
        load();
        if (Screenshots.requested()) {
            awaitBusySeconds(35);
        }
        String uuid = put("{\"cluster\": {\"version\": \"2.0\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": "
                + backend("2.0").port() + "}], \"upgradeTransition\": {\"mode\": \"GRADUAL\", "
                + "\"percentageTransitionPerRequest\": " + (Screenshots.requested() ? 0.08 : 0.5) + "}}}");
        double first = Await.value("2.0 to get a share", Duration.ofSeconds(10), () -> share(uuid), s -> s > 0);
        if (Screenshots.requested()) {
            Await.until("the counter at three quarters", Duration.ofSeconds(60), () -> counter(uuid) >= 75);
            Screenshots.take(page, "dashboard");
        }
        double later = Await.value("2.0's share to grow past " + first, Duration.ofSeconds(20), () -> share(uuid),
                s -> s > first + 0.1);
        assertTrue(later > first);
        assertEquals(List.of(), page.consoleErrors());
    }

    @Test
    void aVersionWhoseServerIsKilledShowsAsRolledBackInTheTimeline() {
        start(null, backend("1.0"));
        open();
        load();
        if (Screenshots.requested()) {
            awaitBusySeconds(30);
        }
        TestBackend v2 = backend("2.0");
        String uuid = put("{\"cluster\": {\"version\": \"2.0\", \"servers\": [{\"hostname\": \"127.0.0.1\", \"port\": "
                + v2.port() + "}], \"upgradeTransition\": {\"mode\": \"GRADUAL\", \"percentageTransitionPerRequest\": "
                + (Screenshots.requested() ? 0.3 : 2) + "}}}");
        Await.value("2.0 to serve a good part of the traffic", Duration.ofSeconds(30), () -> share(uuid), s -> s > 0.2);
        v2.stop();
        Await.until("the rollback of 2.0 in the timeline", Duration.ofSeconds(5),
                () -> page.test(timelineEntry("ROLLBACK", "2.0")));
        assertTrue(page.test(timelineEntry("EJECTION", "2.0")), "the ejection that led to it");
        assertTrue(page.test("!document.getElementById('banner').hidden"
                + " && document.getElementById('banner').classList.contains('rollback')"
                + " && document.getElementById('banner').textContent.includes('Rolled back 2.0')"), "the banner");
        assertFalse(page.test(card(uuid)), "2.0 has no card any more");
        if (Screenshots.requested()) {
            Await.until("a few seconds of traffic after the rollback", Duration.ofSeconds(10), () -> page.test(
                    "Date.now() - Date.parse(document.querySelector('.event.rollback').dataset.time) > 6000"));
            Screenshots.take(page, "dashboard-rollback");
        }
        assertEquals(List.of(), page.consoleErrors());
    }

    @Test
    void withATokenNothingShowsUntilTheRightOneIsGiven() {
        start("s3cret-token", backend("1.0"));
        String uuid = turnout.catalog().snapshot().newest().uuid();
        open();
        Await.until("the token form", Duration.ofSeconds(5), () -> page.test("!document.getElementById('login').hidden"));
        assertNoData(uuid);

        page.typeAndSubmit("#token", "wrong-token");
        Await.until("the wrong token's message", Duration.ofSeconds(5), () -> page.test(
                "!document.getElementById('login-message').hidden"
                        + " && document.getElementById('login-message').textContent.includes('not accepted')"));
        assertNoData(uuid);

        page.typeAndSubmit("#token", "s3cret-token");
        Await.until("the card of 1.0 with the token", Duration.ofSeconds(5), () -> page.test(card(uuid)));
        assertTrue(page.test("document.getElementById('login').hidden"));
        // The browser notes each 401 as a failed load; nothing else may go wrong.
        assertEquals(List.of(), page.consoleErrorsExceptStatus(401));
    }

    /** The console checks above have teeth: each kind of error they look for is seen. */
    @Test
    void aConsoleErrorAnExceptionAndAFailedLoadWouldBeSeen() {
        page = browser.newPage();
        page.open("data:text/html,<img src='http://127.0.0.1:" + TestBackend.refusingPort() + "/x.png'>"
                + "<script>console.error('boom'); setTimeout(() => { throw new Error('bang'); })</script>");
        List<String> errors = Await.value("three errors", Duration.ofSeconds(5), page::consoleErrors, e -> e.size() >= 3);
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("console.error") && e.contains("boom")), errors::toString);
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("exception") && e.contains("bang")), errors::toString);
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("log (network)")), errors::toString);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void assertNoData(String uuid) {
        assertTrue(page.test("document.getElementById('board').hidden"), "the board is hidden");
        assertEquals(0L, ((Number) page.evaluate("document.querySelectorAll('.card, #timeline li').length")).longValue());
        assertFalse(page.test("document.documentElement.outerHTML.includes(" + quoted(uuid) + ")"), "no uuid anywhere");
        assertFalse(page.test("document.documentElement.outerHTML.includes('127.0.0.1:')"), "no server anywhere");
    }

    private TestBackend backend(String name) {
        TestBackend backend = TestBackend.echo(name);
        running.add(backend);
        return backend;
    }

    private void start(String token, TestBackend v1) {
        ProxySettings proxy = ProxySettings.builder(0).hostname("127.0.0.1").selectorThreads(1)
                .drainTimeout(Duration.ofSeconds(2)).build();
        TurnoutConfig config = new TurnoutConfig("browser test", proxy, new ConfigServiceSpec("127.0.0.1", 0, token),
                null, null, List.of(ClusterSpec.instant("1.0", List.of(new ServerSpec("127.0.0.1", v1.port())))));
        turnout = new TurnoutProcess(config);
        try {
            turnout.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String adminUrl() {
        return "http://127.0.0.1:" + turnout.admin().port();
    }

    private void open() {
        page = browser.newPage();
        page.viewport(1280, 800, false);
        page.open(adminUrl() + "/");
    }

    /** Simulated visitors with cookies, as {@code scripts/turnout demo -traffic} runs them. */
    private void load() {
        running.add(0, DemoTraffic.start(turnout.engine().port(), LOAD_PER_SECOND, LOAD_LIMIT));
    }

    /** For the pictures: traffic in at least {@code seconds} columns of the chart. */
    private void awaitBusySeconds(int seconds) {
        Await.until(seconds + " seconds of traffic in the chart", Duration.ofSeconds(seconds + 15),
                () -> ((Number) page.evaluate("document.querySelectorAll('#chart .column:not(.idle)').length"))
                        .intValue() >= seconds);
    }

    private String put(String cluster) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(adminUrl() + "/configuration/cluster"))
                    .PUT(HttpRequest.BodyPublishers.ofString(cluster)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, r.statusCode(), r.body());
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The share the card of {@code uuid} shows, 0 while it has none. */
    private double share(String uuid) {
        String share = page.text("(" + card(uuid) + " || {dataset: {}}).dataset.share");
        return share == null || share.isEmpty() ? 0 : Double.parseDouble(share);
    }

    private double counter(String uuid) {
        String width = page.text("(" + card(uuid) + ".querySelector('.counter .fill') || {style: {}}).style.width");
        return width == null || width.isEmpty() ? 0 : Double.parseDouble(width.replace("%", ""));
    }

    private static String card(String uuid) {
        return "document.querySelector('.card[data-uuid=" + quoted(uuid) + "]')";
    }

    private static String timelineEntry(String type, String version) {
        return "document.querySelector('#timeline li[data-type=\"" + type + "\"][data-version=" + quoted(version) + "]')";
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
