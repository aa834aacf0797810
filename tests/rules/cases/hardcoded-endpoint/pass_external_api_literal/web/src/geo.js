const axios = require("axios");

exports.lookup = (ip) => axios.get("https://ipapi.co/" + ip + "/json/");
