// One Element-like user, driven by the tests through JSON lines: a request per line on stdin
// ({"op": ..., ...}), an answer per line on stdout ({"ok": true, ...} or {"error": "..."}).
// She uses Element's stack: matrix-js-sdk with its Rust crypto, her own cross-signing, and
// "exclude insecure devices" (MSC4153): keys only for cross-signed devices, nothing shown from others.
import { Console } from "node:console";
import { createInterface } from "node:readline";

// stdout carries the protocol, so whatever the SDK logs goes to stderr; the SDK is loaded after this.
globalThis.console = new Console(process.stderr);
const sdk = await import("matrix-js-sdk");
const { OnlySignedDevicesIsolationMode } = await import("matrix-js-sdk/lib/crypto-api/index.js");

let client;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate, timeout, what) {
    const deadline = Date.now() + timeout * 1000;
    while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(100);
    }
}

async function login({ homeserver, user_id: userId, password }) {
    const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: userId }, password };
    const session = await sdk.createClient({ baseUrl: homeserver }).loginRequest(auth);
    client = sdk.createClient({
        baseUrl: homeserver,
        userId: session.user_id,
        deviceId: session.device_id,
        accessToken: session.access_token,
    });
    await client.initRustCrypto({ useIndexedDB: false });
    const crypto = client.getCrypto();
    await crypto.bootstrapCrossSigning({
        authUploadDeviceSigningKeys: async (makeRequest) => {
            await makeRequest(auth);
        },
    });
    if (!(await crypto.isCrossSigningReady())) throw new Error("cross-signing is not ready");
    crypto.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
    const synced = new Promise((resolve) =>
        client.on(sdk.ClientEvent.Sync, (state) => state === "PREPARED" && resolve()),
    );
    await client.startClient({ initialSyncLimit: 20 });
    await synced;
    return { device_id: session.device_id };
}

// Element makes private rooms encrypted by default; a plain one is asked for with encrypted: false.
async function createRoom({ encrypted, invite, timeout = 20 }) {
    const initialState = encrypted
        ? [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }]
        : [];
    const options = { preset: "private_chat", invite, initial_state: initialState };
    const { room_id: roomId } = await client.createRoom(options);
    await until(() => client.getRoom(roomId), timeout, `room ${roomId}`);
    return { room_id: roomId };
}

async function join({ room_id: roomId, timeout = 20 }) {
    await client.joinRoom(roomId);
    await until(() => client.getRoom(roomId)?.getMyMembership() === "join", timeout, `joining ${roomId}`);
    return {};
}

async function waitJoined({ room_id: roomId, user_id: userId, timeout = 20 }) {
    await until(() => client.getRoom(roomId)?.getMember(userId)?.membership === "join", timeout, `${userId} to join`);
    return {};
}

// A device as her client sees it: she shares room keys with it only once it is cross-signed by its owner.
async function waitSigned({ user_id: userId, device_id: deviceId, timeout = 30 }) {
    const crypto = client.getCrypto();
    const deadline = Date.now() + timeout * 1000;
    while (!(await crypto.getDeviceVerificationStatus(userId, deviceId))?.signedByOwner) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${userId}'s device ${deviceId} to be signed`);
        await sleep(100);
    }
    return {};
}

async function send({ room_id: roomId, body }) {
    const { event_id: eventId } = await client.sendTextMessage(roomId, body);
    return { event_id: eventId };
}

// The room's messages as she sees them: decrypted, or with the reason they could not be.
function events({ room_id: roomId }) {
    const timeline = client.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [];
    return {
        events: timeline
            .filter((event) => !event.isState())
            .map((event) => ({
                event_id: event.getId(),
                sender: event.getSender(),
                type: event.getType(),
                content: event.getContent(),
                in_reply_to: event.replyEventId ?? null,
                decrypting: event.isBeingDecrypted(),
                decryption_failure: event.isDecryptionFailure() ? event.decryptionFailureReason : null,
            })),
    };
}

// An m.file attachment as Element fetches it (authenticated media) and, in an encrypted room, decrypts it:
// AES-CTR with the key and counter of its `file`, after checking the ciphertext's SHA-256.
async function download({ content }) {
    const mxc = content.file?.url ?? content.url;
    const url = client.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, true, true);
    const response = await fetch(url, { headers: { Authorization: `Bearer ${client.getAccessToken()}` } });
    if (!response.ok) throw new Error(`download of ${mxc}: HTTP ${response.status}`);
    let data = await response.arrayBuffer();
    if (content.file) {
        const { key, iv, hashes } = content.file;
        const digest = Buffer.from(await globalThis.crypto.subtle.digest("SHA-256", data)).toString("base64");
        if (digest.replace(/=+$/, "") !== hashes.sha256.replace(/=+$/, "")) throw new Error("attachment hash mismatch");
        const cryptoKey = await globalThis.crypto.subtle.importKey("jwk", key, { name: "AES-CTR" }, false, ["decrypt"]);
        const counter = Buffer.from(iv, "base64");
        data = await globalThis.crypto.subtle.decrypt({ name: "AES-CTR", counter, length: 64 }, cryptoKey, data);
    }
    return { text: new TextDecoder().decode(data) };
}

const ops = { login, create_room: createRoom, join, wait_joined: waitJoined, wait_signed: waitSigned, send, events, download };

for await (const line of createInterface({ input: process.stdin })) {
    const { op, ...args } = JSON.parse(line);
    let answer;
    try {
        if (!ops[op]) throw new Error(`unknown op ${op}`);
        answer = { ok: true, ...(await ops[op](args)) };
    } catch (error) {
        answer = { error: `${op}: ${error.message ?? error}` };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
}
client?.stopClient();
process.exit(0);
