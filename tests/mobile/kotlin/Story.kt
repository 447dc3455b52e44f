// A phone app's steps in Kotlin, against the generated bindings of zhiban-mobile-ffi (package
// org.zhiban.mobile), as an Android app would call them (there through JNA too). Run by
// tests/tests/mobile_bindings.rs, one step per JVM:
//
//     java -Djna.library.path=DIR -cp story.jar:jna.jar StoryKt STEP DATA_FOLDER SERVER_URL [ARG...]
//
// Each step prints one JSON line.

import org.zhiban.mobile.*

fun check(condition: Boolean, what: () -> String) {
    if (!condition) throw AssertionError(what())
}

fun passwordOf(user: String): String =
    System.getenv("ZHIBAN_PASSWORD_" + user.uppercase().replace("-", "_")) ?: error("no password for $user")

fun json(vararg fields: Pair<String, Any?>): String =
    fields.joinToString(",", "{", "}") { (k, v) ->
        val value = when (v) {
            null -> "null"
            is Number, is Boolean -> v.toString()
            else -> "\"" + v.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\""
        }
        "\"$k\":$value"
    }

/** A field reporter logs in, files a first report with a photo, and syncs it with the photo. */
fun fieldReport(client: ZhibanClient, user: String, photo: String) {
    val me = client.login(user, passwordOf(user), "android field phone")
    check(client.currentUser() == me) { "currentUser() is who logged in" }
    val details = ReportDetails(
        account = "城区内涝，积水深约半米", occurredAt = null, place = "东城区解放路", latitude = null,
        longitude = null, nature = "内涝", scope = null, casualties = Casualties(0, 0, 0, 0, 0),
        directLossCny = null, trend = "雨势减弱", leadersOnSite = null, measures = "已设置绕行", requests = null,
        source = null, cause = null,
    )
    val filed = client.fileFirstReport(FirstReport("解放路内涝", null, false, details, listOf()))
    val sha256 = client.attachPhoto(filed.incident, photo, filed.entry)
    try {
        client.addFollowUp("not a document", details)
        throw AssertionError("a bad document was taken")
    } catch (e: ZhibanException.InvalidInput) {
        check(e.field == "incident") { "the error names the field: $e" }
    }
    val report = client.syncFor(30u)
    check(report.finished) { "everything sent: $report" }
    println(json("step" to "reported", "incident" to filed.incident, "sha256" to sha256,
        "milliseconds" to report.millisecondsUsed.toLong()))
}

/** A leader logs in, finds the instruction waiting, and signs for it. */
fun leaderAck(client: ZhibanClient, user: String) {
    client.login(user, passwordOf(user), "android leader phone")
    client.syncNow(30u)
    val pending = client.pendingAcknowledgements()
    check(pending.size == 1) { "one instruction waits: $pending" }
    val recipient = client.acknowledge(pending[0].instruction, null)
    client.syncNow(30u)
    val signed = client.instruction(pending[0].instruction)
    val ack = signed.recipients.flatMap { it.acknowledgements }.single()
    check(ack.serverReceivedAt != null) { "the server stamped it: $ack" }
    println(json("step" to "acknowledged", "instruction" to pending[0].instruction, "recipient" to recipient,
        "text" to signed.text))
}

fun main(args: Array<String>) {
    val (step, folder, server) = args
    val client = ZhibanClient(folder, server)
    when (step) {
        "field-report" -> fieldReport(client, args[3], args[4])
        "leader-ack" -> leaderAck(client, args[3])
        else -> error("no step $step")
    }
    client.close()
}
